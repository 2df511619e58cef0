"""A video for Chromium's fake camera: a printed QR code held in front of a phone.

Chromium's ``--use-file-for-fake-video-capture`` plays a Y4M file (raw YUV 4:2:0 frames) in a
loop from its first frame each time a page opens the camera. The frames here show a photo of
paper: a page of a real signed PDF rasterised by poppler's ``pdftoppm``, cropped to the QR code's
corner, tilted a little and shaken by a few pixels from frame to frame, on a grey desk.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image

WIDTH, HEIGHT, FPS = 640, 480, 10
#: What the fake camera films first: a QR code of this verifier's form, but on another site.
FOREIGN_QR = "https://example.org/v/aaaaaaaaaaaaaaaaaaaaaaaaaa"
DESK = (96, 100, 108)


def rasterise(pdf: Path, out_dir: Path, dpi: int = 150) -> Image.Image:
    """Page 1 of ``pdf`` as poppler renders it for printing."""
    prefix = out_dir / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                   check=True, timeout=60)
    return Image.open(prefix.with_suffix(".png")).convert("RGB")


def photo(paper: Image.Image, *, tilt: float, shift: tuple[int, int], fill: float = 0.9) -> Image.Image:
    """One camera frame: ``paper`` scaled to ``fill`` of the frame, tilted ``tilt`` degrees, moved by ``shift``."""
    scale = min(WIDTH * fill / paper.width, HEIGHT * fill / paper.height)
    sheet = paper.resize((round(paper.width * scale), round(paper.height * scale)), Image.LANCZOS)
    sheet = sheet.convert("RGBA").rotate(tilt, resample=Image.BICUBIC, expand=True)
    frame = Image.new("RGB", (WIDTH, HEIGHT), DESK)
    x = (WIDTH - sheet.width) // 2 + shift[0]
    y = (HEIGHT - sheet.height) // 2 + shift[1]
    frame.paste(sheet, (x, y), sheet)
    return frame


def shaken(paper: Image.Image, count: int, *, fill: float = 0.9) -> list[Image.Image]:
    """``count`` frames of a hand holding the phone not quite still."""
    moves = [(0, 0), (3, -2), (5, 1), (2, 4), (-2, 3), (-4, -1), (-1, -4)]
    return [photo(paper, tilt=-3 + (i % 5) * 0.8, shift=moves[i % len(moves)], fill=fill) for i in range(count)]


def write_y4m(frames: list[Image.Image], path: Path, fps: int = FPS) -> Path:
    """Frames as a YUV4MPEG2 file, 4:2:0 (full-size Y plane, Cb and Cr at half size)."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, cb, cr = frame.convert("YCbCr").split()
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            for plane in (cb, cr):
                out.write(plane.resize((WIDTH // 2, HEIGHT // 2), Image.BILINEAR).tobytes())
    return path


def qr_corner(page: Image.Image) -> Image.Image:
    """The bottom-left corner of a Sổ Gốc transcript page, where its verification QR code is printed."""
    return page.crop((0, round(page.height * 0.83), round(page.width * 0.42), round(page.height * 0.98)))


def decode_with_zbar(image: Image.Image, tmp: Path) -> list[str]:
    """What zbarimg (an independent decoder) reads in ``image``: proof that the frame shows a readable code."""
    path = tmp / "frame-check.png"
    image.save(path)
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30)
    return result.stdout.split()
