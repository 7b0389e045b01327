"""HAProxy's dynamic cookie value ("cookie ... dynamic" with
dynamic-cookie-key), computed for tests: XXH64 in Python."""

import socket

M64 = (1 << 64) - 1
XP1, XP2, XP3, XP4, XP5 = (11400714785074694791, 14029467366897019727, 1609587929392839161,
                           9650029242287828579, 2870177450012600261)


def xxh64(data, seed=0):
    """XXH64, the reference algorithm (little-endian reads)."""
    def rotl(x, r):
        return ((x << r) | (x >> (64 - r))) & M64

    def rnd(acc, v):
        return (rotl((acc + v * XP2) & M64, 31) * XP1) & M64

    n, i = len(data), 0
    if n >= 32:
        v = [(seed + XP1 + XP2) & M64, (seed + XP2) & M64, seed, (seed - XP1) & M64]
        while i + 32 <= n:
            for k in range(4):
                v[k] = rnd(v[k], int.from_bytes(data[i:i + 8], "little"))
                i += 8
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M64
        for x in v:
            h = ((h ^ rnd(0, x)) * XP1 + XP4) & M64
    else:
        h = (seed + XP5) & M64
    h = (h + n) & M64
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, int.from_bytes(data[i:i + 8], "little")), 27) * XP1 + XP4) & M64
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (int.from_bytes(data[i:i + 4], "little") * XP1 & M64), 23) * XP2 + XP3) & M64
        i += 4
    while i < n:
        h = (rotl(h ^ (data[i] * XP5 & M64), 11) * XP1) & M64
        i += 1
    h ^= h >> 33
    h = (h * XP2) & M64
    h ^= h >> 29
    h = (h * XP3) & M64
    h ^= h >> 32
    return h


def dyncookie(key, ip, port):
    """HAProxy's dynamic cookie: XXH64(key, IP in network order, the
    port as 4 bytes in network order), 16 hex digits."""
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return "%016x" % xxh64(key.encode() + socket.inet_pton(fam, ip) + port.to_bytes(4, "big"))
