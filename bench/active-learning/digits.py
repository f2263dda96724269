#!/usr/bin/env python3
"""Writes the 1,797 handwritten digits of scikit-learn (Debian's python3-sklearn; 8x8 pixels, 17 grey levels) as an
image folder that both `labelloop simulate` and the modAL loop read: OUT/<digit>/<index>.png, 28x28 8-bit grey,
scaled up bilinearly. A third data set that LabelLoop's defaults were never tuned on.

usage: digits.py OUT
"""
import os
import sys

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    digits = load_digits()
    for index, (pixels, digit) in enumerate(zip(digits.images, digits.target)):
        grey = np.clip(pixels * (255.0 / 16.0), 0, 255).astype(np.uint8)
        folder = os.path.join(out, str(digit))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(grey, mode="L").resize((28, 28), Image.BILINEAR).save(os.path.join(folder, f"{index:04d}.png"))
    print(f"{len(digits.images)} images in {out}")


if __name__ == "__main__":
    main()
