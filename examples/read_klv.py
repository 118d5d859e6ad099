#!/usr/bin/env python3
"""Read maskstream's per-frame records back from an MPEG-TS output with PyAV.

    pip install av
    python3 examples/read_klv.py out/sample.ts

Each data packet holds one KLV triple: a 16-byte key, a BER length, and the frame record
(JSON). Prints frame index, PTS in seconds and the track ids of every record.
"""
import json
import sys

import av


def records(path):
    with av.open(path) as container:
        data = next(s for s in container.streams if s.type == "data")
        for packet in container.demux(data):
            if packet.size == 0:
                continue
            raw = bytes(packet)
            length, offset = raw[16], 17
            if length & 0x80:
                n = length & 0x7F
                length = int.from_bytes(raw[17:17 + n], "big")
                offset = 17 + n
            yield packet.pts * packet.time_base, json.loads(raw[offset:offset + length])


if __name__ == "__main__":
    for t, rec in records(sys.argv[1]):
        print(f"frame {rec['frame']} t={float(t):.3f}s tracks {[i['track_id'] for i in rec['instances']]}")
