# sluice needs GNU make.
all check deps install clean:
	@echo "sluice needs GNU make: run 'gmake $@'" >&2; exit 1
