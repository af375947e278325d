"""Compare two folders of pictures (tests/ui/gallery.py makes them) pixel for pixel.

    python -m tests.ui.gallery_compare DIR_A DIR_B [--diff OUTDIR]

One line per PNG found in either folder: `same`, `DIFFERENT` (with how many pixels differ, or
the two sizes), or `missing in A` / `missing in B`. The exit status is 0 when every picture
is in both folders and identical, 1 otherwise (2 for a bad call). With --diff, OUTDIR gets a
picture for each differing pair: A faded to grey with the differing pixels in red (and the
box around them outlined), or A and B side by side when their sizes differ.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen  # noqa: E402

FORMAT = QImage.Format.Format_ARGB32
DIFF_COLOUR = QColor(255, 0, 0)


def load(path: Path) -> QImage:
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{path} is not a picture Qt can read")
    return image.convertToFormat(FORMAT)


def differing_pixels(a: QImage, b: QImage) -> list[tuple[int, int]]:
    """The (x, y) of every pixel that differs; a and b have the same size and FORMAT."""
    found = []
    width = a.width()
    for y in range(a.height()):
        row_a = a.constScanLine(y).tobytes()[:width * 4]
        row_b = b.constScanLine(y).tobytes()[:width * 4]
        if row_a == row_b:
            continue
        for x in range(width):
            if row_a[x * 4:x * 4 + 4] != row_b[x * 4:x * 4 + 4]:
                found.append((x, y))
    return found


def diff_picture(a: QImage, pixels: list[tuple[int, int]]) -> QImage:
    """A faded to grey, the differing pixels red, their bounding box outlined."""
    out = a.convertToFormat(QImage.Format.Format_Grayscale8).convertToFormat(FORMAT)
    painter = QPainter(out)
    painter.fillRect(out.rect(), QColor(255, 255, 255, 150))
    painter.end()
    for x, y in pixels:
        out.setPixelColor(x, y, DIFF_COLOUR)
    xs, ys = [x for x, _ in pixels], [y for _, y in pixels]
    box = QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)
    painter = QPainter(out)
    painter.setPen(QPen(DIFF_COLOUR, 1, Qt.PenStyle.DashLine))
    painter.drawRect(box.adjusted(-3, -3, 2, 2))
    painter.end()
    return out


def side_by_side(a: QImage, b: QImage) -> QImage:
    gap = 10
    out = QImage(a.width() + gap + b.width(), max(a.height(), b.height()), FORMAT)
    out.fill(DIFF_COLOUR)
    painter = QPainter(out)
    painter.drawImage(0, 0, a)
    painter.drawImage(a.width() + gap, 0, b)
    painter.end()
    return out


def compare(dir_a: Path, dir_b: Path, diff_dir: Path | None) -> int:
    names = sorted({p.name for p in dir_a.glob("*.png")} | {p.name for p in dir_b.glob("*.png")})
    if not names:
        print(f"no pictures in {dir_a} or {dir_b}")
        return 1
    if diff_dir is not None:
        diff_dir.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name in names:
        path_a, path_b = dir_a / name, dir_b / name
        if not path_a.exists() or not path_b.exists():
            print(f"{name}: missing in {'A' if not path_a.exists() else 'B'}")
            bad += 1
            continue
        a, b = load(path_a), load(path_b)
        if a.size() != b.size():
            print(f"{name}: DIFFERENT size {a.width()}x{a.height()} vs {b.width()}x{b.height()}")
            bad += 1
            if diff_dir is not None:
                side_by_side(a, b).save(str(diff_dir / name))
            continue
        pixels = differing_pixels(a, b)
        if not pixels:
            print(f"{name}: same")
            continue
        print(f"{name}: DIFFERENT {len(pixels):,} pixels")
        bad += 1
        if diff_dir is not None:
            diff_picture(a, pixels).save(str(diff_dir / name))
    total = len(names)
    print(f"{total - bad} of {total} identical" + (f", {bad} differ or are missing" if bad
                                                   else ""))
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ui.gallery_compare",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("dir_a", type=Path)
    parser.add_argument("dir_b", type=Path)
    parser.add_argument("--diff", type=Path, metavar="OUTDIR",
                        help="write a highlighted picture of each difference here")
    args = parser.parse_args(argv)
    for folder in (args.dir_a, args.dir_b):
        if not folder.is_dir():
            parser.error(f"{folder} is not a folder")
    _app = QGuiApplication([sys.argv[0]])  # QImage needs no more than this
    return compare(args.dir_a, args.dir_b, args.diff)


if __name__ == "__main__":
    sys.exit(main())
