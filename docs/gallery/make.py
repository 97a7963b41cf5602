"""Makes the gallery's PNGs: runs each example (in the mode docs/gallery.md names) into OUT and
writes its PNG, 1000 pixels wide, to docs/gallery/.

    /usr/bin/python3 docs/gallery/make.py [OUT]      (default out/gallery; runs cached in out/runs)

An example whose PNG is already in OUT is not run again (delete it to remake it).
"""
import pathlib
import subprocess
import sys

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
WIDTH = 1000
EXAMPLES = {  # example: its options in the gallery
    "lazzari_fig1": ["--full"], "lazzari_fig2": ["--full"], "lazzari_fig3": ["--full"], "lazzari_fig4": ["--full"],
    "lazzari_fig5": ["--full"], "lazzari_fig6": ["--full"], "lazzari_fig7": ["--full"], "lazzari_fig8": [],
    "lazzari_fig9": [], "lazzari_fig10": ["--full"], "rahaman_fig1": [], "rahaman_fig2": [], "rahaman_fig3": [],
    "rahaman_fig8": [], "rahaman_fig9": [],
}


def main(out):
    for name, options in EXAMPLES.items():
        png = out / name / f"{name}.png"
        if not png.exists():
            subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py"), *options, "--quiet",
                            "--out", str(out / name), "--runs", str(out.parent / "runs")], check=True)
        image = Image.open(png).convert("RGB")
        image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
        image.save(ROOT / "docs" / "gallery" / f"{name}.png", optimize=True)
        print(name)


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "out/gallery").resolve())
