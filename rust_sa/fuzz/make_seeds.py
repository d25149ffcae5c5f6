"""Writes the seed corpora of the fuzz targets into seeds/<target>/.

Small valid inputs of each target's layout (see the comment at the top of
each target), from which libFuzzer's mutations start; without them the
targets spend their time on inputs that the first check refuses.

    python3 rust_sa/fuzz/make_seeds.py      # standard library only
"""

from __future__ import annotations

import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent / "seeds"
SEP16, SEP32 = 0xFFFF, 0xFFFFFFFF


def npy(descr: str, shape: tuple[int, ...], data: bytes = b"", fortran: bool = False, version: int = 1) -> bytes:
    """An .npy file whose data starts at a multiple of 64 bytes."""
    text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
    size = 4 if version >= 2 else 2
    total = -(-(6 + 2 + size + len(text) + 1) // 64) * 64
    text = text.ljust(total - 6 - 2 - size - 1) + "\n"
    length = struct.pack("<I" if version >= 2 else "<H", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text.encode() + data


def part(docs: list[tuple[int, list[int]]], width: int) -> tuple[bytes, bytes]:
    """Token and size files of a part in the interchange format."""
    tokens: list[int] = []
    offsets = [0]
    for doc_id, body in docs:
        tokens += ([SEP16, doc_id & 0xFFFF, doc_id >> 16] if width == 2 else [SEP32, doc_id]) + body
        offsets.append(width * len(tokens))
    fmt = "H" if width == 2 else "I"
    return struct.pack(f"<{len(tokens)}{fmt}", *tokens), struct.pack(f"<{len(offsets)}Q", *offsets)


def cut(first: bytes, second: bytes) -> bytes:
    """`[head][first][second]` with the head byte that cuts after `first`
    (the targets' `common::cut`)."""
    rest = first + second
    for head in range(256):
        if head * len(rest) // 256 == len(first):
            return bytes([head]) + rest
    raise ValueError(f"no head byte cuts {len(rest)} bytes after {len(first)}; keep seeds short")


def queries(rows: list[list[int]], width: int) -> bytes:
    fmt = "H" if width == 2 else "I"
    return b"".join(struct.pack(f"<I{len(r)}{fmt}", len(r), *r) for r in rows)


def main() -> None:
    seeds: dict[str, dict[str, bytes]] = {
        "npy": {
            "u2_2x3": npy("<u2", (2, 3), struct.pack("<6H", 1, 2, 3, 4, 5, 6)),
            "u4_1x4": npy("<u4", (1, 4), struct.pack("<4I", 1, 70_000, 0x7FFFFFFE, 0)),
            "u1_5": npy("|u1", (5,), bytes([1, 2, 3, 4, 5])),
            "i8_2x2": npy("<i8", (2, 2), struct.pack("<4q", 1, -1, 2**40, 3)),
            "empty_rows": npy("<u2", (0, 3)),
            "zero_width": npy("<u2", (3, 0)),
            "v2_u4": npy("<u4", (2,), struct.pack("<2I", 7, 8), version=2),
            "fortran": npy("<u2", (1, 2), struct.pack("<2H", 1, 2), fortran=True),
            "float": npy("<f4", (1,), struct.pack("<f", 1.5)),
        },
        "queries": {
            "u16": queries([[1, 2, 3], [9]], 2),
            "u32": queries([[70_000, 1]], 4),
            "empty_query": queries([[], [5]], 2),
        },
    }
    p16 = part([(1, [3, 1, 2, 1]), (70_000, [2, 2]), (5, [])], 2)
    p32 = part([(7, [0x7FFFFFFE, 3, 0x40000000, 3]), (SEP32, [3, 0x7FFFFFFE])], 4)
    seeds["part"] = {
        "u16": cut(*p16),
        "u32": cut(*p32),
        "repeats": cut(*part([(0, [4, 5, 4, 5, 4, 5]), (1, [4, 5, 4])], 2)),
    }
    swaps = struct.pack("<4H", 0, 1, 3, 5)
    overwrite = struct.pack("<2H", 2, 4)
    raw = struct.pack("<4H", 9, 9, 9, 9)
    seeds["files"] = {
        "u16_exact": bytes([0b000]) + cut(cut(*p16), b"\0\0\0\0"),
        "u16_swaps": bytes([0b100]) + cut(cut(*p16), swaps),
        "u32_overwrite": bytes([0b011]) + cut(cut(*p32), overwrite),
        "u16_raw": bytes([0b110]) + cut(cut(*p16), raw),
        "u16_swaps_stamped": bytes([0b1100]) + cut(cut(*p16), swaps),
        "u32_overwrite_stamped": bytes([0b1011]) + cut(cut(*p32), overwrite),
    }
    # Bodies: byte i is token alphabet[i] (see targets.rs), 0xFF between documents.
    bodies = bytes([0, 1, 2, 3, 1, 2, 0xFF, 2, 3, 1, 2, 3, 0xFF, 5, 6, 4, 5, 6, 4])
    seeds["targets"] = {
        "u16_npy": bytes([0b00100]) + cut(bodies, npy("<u2", (2, 3), struct.pack("<6H", 1, 2, 3, 2, 3, 1))),
        "u32_npy": bytes([0b01001]) + cut(bodies, npy("<u4", (2, 3), struct.pack("<6I", 0x40000000, 0x7FFFFFFE, 70_000, 1, 2, 3))),
        "u16_query_file": bytes([0b01000]) + cut(bodies, queries([[1, 2], [2, 3]], 2)),
        "u32_unequal": bytes([0b00101]) + cut(bodies, queries([[1, 2, 3], [70_000]], 4)),
        "zero_width": bytes([0b00001]) + cut(bodies, npy("<u4", (3, 0))),
    }
    for target, files in seeds.items():
        folder = HERE / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
