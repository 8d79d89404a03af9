from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "layers/core/python/photogram"


def test_readme_layout_names_every_domain_folder():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout") :]

    folders = sorted(p.name for p in DOMAIN.iterdir() if (p / "__init__.py").is_file())

    assert [name for name in folders if f"{name}/" not in layout] == []
