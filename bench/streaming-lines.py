"""The SageMaker Python SDK's LineIterator algorithm, for bench/streaming-lines.ts.

Reads length-prefixed chunks (4-byte big-endian size, then the bytes) written by the TypeScript
benchmark, wraps them as InvokeEndpointWithResponseStream events ({"PayloadPart": {"Bytes": b}}),
and times the SDK's algorithm: one BytesIO buffer that every chunk is appended to, with
seek(read_pos) + readline() to find the next complete line. Prints one JSON object.

Usage: python3 streaming-lines.py CHUNKS_FILE RUNS
"""

import io
import json
import resource
import struct
import sys
import time


class SdkLineIterator:
    """Same steps as the SDK's iterator; it also stops at the end of the stream, where the
    original loops forever when the last line has no newline (the benchmark data ends in one)."""

    def __init__(self, stream):
        self.byte_iterator = iter(stream)
        self.buffer = io.BytesIO()
        self.read_pos = 0

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            self.buffer.seek(self.read_pos)
            line = self.buffer.readline()
            if line and line[-1] == ord("\n"):
                self.read_pos += len(line)
                return line[:-1]
            try:
                chunk = next(self.byte_iterator)
            except StopIteration:
                raise
            if "PayloadPart" not in chunk:
                continue
            self.buffer.seek(0, io.SEEK_END)
            self.buffer.write(chunk["PayloadPart"]["Bytes"])


def read_chunks(path):
    with open(path, "rb") as f:
        data = f.read()
    events, at = [], 0
    while at < len(data):
        (size,) = struct.unpack_from(">I", data, at)
        at += 4
        events.append({"PayloadPart": {"Bytes": data[at : at + size]}})
        at += size
    return events, at - 4 * len(events)


def main():
    path, runs = sys.argv[1], int(sys.argv[2])
    events, total = read_chunks(path)
    timings, lines = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        lines = 0
        for _line in SdkLineIterator(events):
            lines += 1
        timings.append(time.perf_counter() - start)
    timings.sort()
    seconds = timings[len(timings) // 2]
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"mbps": total / 1e6 / seconds, "lines": lines, "max_rss_mib": max_rss_kib / 1024}))


if __name__ == "__main__":
    main()
