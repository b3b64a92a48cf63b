"""A generated corpus of camera-like 1280x720 greyscale frames, by category.

Each frame is made from a seed, so a corpus is reproducible: the benchmark and the
tests draw the same frames. Payloads are the kiosk's own kinds (pickup codes,
reference numbers, e-ID tokens), Chinese text in UTF-8 and in GB18030.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_M

WIDTH, HEIGHT = 1280, 720
CATEGORIES = ("clean", "small", "rotated", "perspective", "blur", "motion_blur", "noise",
              "low_contrast", "glare", "inverted_phone", "inverted_low_contrast", "dark",
              "empty")


@dataclass(frozen=True)
class Sample:
    category: str
    gray: np.ndarray
    payload: bytes | None  # None: no code in the frame


def payload_for(rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        body = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(60))
        return f"PK1.{body}.{body[::-1][:40]}".encode()
    if kind == 1:
        return f"XH-CCB-{rng.randrange(10000):04d}-{rng.randrange(10**6):06d}".encode()
    text = "上海市徐汇区政务服务预约取件：" + "".join(
        rng.choice("张王李赵刘陈杨黄周吴口罩药房窗口") for _ in range(rng.randrange(4, 20)))
    return text.encode("utf-8" if kind == 2 else "gb18030")


def qr_modules(payload: bytes) -> np.ndarray:
    """The code as a uint8 image, one pixel a module, with the 4-module quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return np.array(code.make_image().convert("L"), dtype=np.uint8)


def background(rng: random.Random) -> np.ndarray:
    """A counter top or a hand: a smooth gradient with texture and a few shapes."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    a, b = rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08)
    base = rng.uniform(110, 190) + a * x + b * y
    img = base + np.random.default_rng(rng.randrange(2**32)).normal(0, 6, (HEIGHT, WIDTH))
    out = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(rng.randrange(2, 6)):
        color = rng.randrange(40, 230)
        x0, y0 = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        cv2.rectangle(out, (x0, y0), (x0 + rng.randrange(40, 300), y0 + rng.randrange(20, 200)),
                      color, -1)
    blurred: np.ndarray = cv2.GaussianBlur(out, (5, 5), 0)
    return blurred


def _place(frame: np.ndarray, code: np.ndarray, size: int, rng: random.Random,
           angle: float = 0.0, perspective: float = 0.0) -> tuple[float, float]:
    """Scale the code to ``size`` pixels, then rotate or tilt it onto the frame."""
    tile = cv2.resize(code, (size, size), interpolation=cv2.INTER_NEAREST)
    half = size / 2
    cx = rng.uniform(half * 1.5 + 10, WIDTH - half * 1.5 - 10)
    cy = rng.uniform(half * 1.5 + 10, HEIGHT - half * 1.5 - 10)
    src = np.array([[0, 0], [size, 0], [size, size], [0, size]], dtype=np.float32)
    corners = np.array([[-half, -half], [half, -half], [half, half], [-half, half]],
                       dtype=np.float32)
    theta = np.deg2rad(angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]],
                   dtype=np.float32)
    dst = corners @ rot.T
    if perspective:
        dst += np.array([[rng.uniform(-1, 1) * perspective * size for _ in range(2)]
                         for _ in range(4)], dtype=np.float32)
    dst += np.array([cx, cy], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(tile, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR,
                                 borderValue=0)
    mask = cv2.warpPerspective(np.full_like(tile, 255), matrix, (WIDTH, HEIGHT),
                               flags=cv2.INTER_LINEAR, borderValue=0)
    alpha = mask.astype(np.float32) / 255
    frame[:] = (frame * (1 - alpha) + warped * alpha).astype(np.uint8)
    return cx, cy


def make_sample(category: str, seed: int) -> Sample:
    if category == "inverted_low_contrast":
        # Light on dark at half the contrast (a dark-mode screen in a bright room, or
        # a negative print) over another category's frame: zxing-cpp's own try_invert
        # reads these; the pipeline once missed a fifth of them.
        base = make_sample(random.Random(f"{category}:{seed}").choice(
            ("low_contrast", "blur", "noise", "glare", "dark", "small")), seed)
        squeezed = (255 - base.gray).astype(np.float32) * 0.5 + 60
        return Sample(category, squeezed.astype(np.uint8), base.payload)
    rng = random.Random(f"{category}:{seed}")
    noise = np.random.default_rng(rng.randrange(2**32))
    frame = background(rng)
    if category == "empty":
        # Things a camera sees that are not QR codes: text lines, a checkerboard, a 1D code.
        for n in range(rng.randrange(3, 8)):
            cv2.putText(frame, "XH-CCB 0001 " + str(rng.randrange(10**6)), (40, 80 + 80 * n),
                        cv2.FONT_HERSHEY_SIMPLEX, 1.5, rng.randrange(0, 80), 3)
        board = (np.indices((8, 8)).sum(axis=0) % 2 * 255).astype(np.uint8)
        _place(frame, board, rng.randrange(80, 200), rng, angle=rng.uniform(-30, 30))
        return Sample(category, frame, None)
    payload = payload_for(rng)
    code = qr_modules(payload)
    size = rng.randrange(180, 320)
    if category == "small":
        size = int(code.shape[0] * rng.uniform(1.8, 2.6))  # about 2 pixels a module
    if category == "inverted_phone":
        # A phone in dark mode: a dark screen with a light-on-dark code, in a black bezel.
        x0, y0 = rng.randrange(200, 700), rng.randrange(20, 120)
        cv2.rectangle(frame, (x0 - 20, y0 - 20), (x0 + 400, y0 + 600), 15, -1)
        cv2.rectangle(frame, (x0, y0), (x0 + 380, y0 + 580), 35, -1)
        code = 255 - code
        code = (code.astype(np.float32) * 0.8 + 35).astype(np.uint8)  # screen black is grey
        sub = frame[y0:y0 + 580, x0:x0 + 380]
        tile = cv2.resize(code, (300, 300), interpolation=cv2.INTER_NEAREST)
        sub[140:440, 40:340] = tile
        return Sample(category, cv2.GaussianBlur(frame, (3, 3), 0), payload)
    angle = rng.uniform(-60, 60) if category == "rotated" else rng.uniform(-5, 5)
    tilt = rng.uniform(0.08, 0.16) if category == "perspective" else 0.0
    cx, cy = _place(frame, code, size, rng, angle=angle, perspective=tilt)
    img: np.ndarray = frame.astype(np.float32)
    if category == "blur":
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(1.4, 2.0))
    elif category == "motion_blur":
        # A hand moving during the exposure: a streak of up to about one module.
        module = size / code.shape[0]
        length = max(3, round(module * rng.uniform(0.8, 1.5)))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                      rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        img = cv2.filter2D(img, -1, kernel / kernel.sum())
    elif category == "noise":
        img += noise.normal(0, rng.uniform(18, 28), img.shape)
    elif category == "low_contrast":
        low = rng.uniform(90, 120)
        img = low + img * (rng.uniform(40, 60) / 255)
    elif category == "glare":
        glare = np.zeros_like(img)
        # A lamp's reflection on the glossy slip, over part of the code.
        gx = int(cx + rng.uniform(-0.4, 0.4) * size)
        gy = int(cy + rng.uniform(-0.4, 0.4) * size)
        cv2.ellipse(glare, (gx, gy), (rng.randrange(120, 260), rng.randrange(60, 140)),
                    rng.uniform(0, 180), 0, 360, rng.uniform(120, 170), -1)
        img += cv2.GaussianBlur(glare, (0, 0), 40)
    elif category == "dark":
        img = img * rng.uniform(0.12, 0.25) + noise.normal(0, 3, img.shape)
    img += noise.normal(0, 2.5, img.shape)  # every camera has some sensor noise
    return Sample(category, np.clip(img, 0, 255).astype(np.uint8), payload)


def corpus(per_category: int, categories: tuple[str, ...] = CATEGORIES) -> Iterator[Sample]:
    for category in categories:
        for seed in range(per_category):
            yield make_sample(category, seed)


@dataclass(frozen=True)
class Photo:
    name: str
    gray: np.ndarray
    text: str | None  # the payload's text; None: no code in the picture
