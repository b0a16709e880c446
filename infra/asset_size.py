"""Print the size of the bundled Lambda asset (unzipped and zipped bytes): python -m infra.asset_size."""

import argparse
import json
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from infra.bundling import bundle_lambda_asset
from infra.constants import LAMBDA_PLATFORM


@dataclass(frozen=True)
class AssetSize:
    """Bytes of the asset as deployed (zip uploaded to S3) and as unpacked by Lambda."""

    platform: str
    files: int
    unzipped_bytes: int
    zipped_bytes: int


def measure_asset(directory: Path, *, platform: str) -> AssetSize:
    """Zip `directory` as CDK does (deflate, paths relative to the root) and count both sizes."""
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "asset.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for path in files:
                zipped.write(path, path.relative_to(directory).as_posix())
        zipped_bytes = archive.stat().st_size
    return AssetSize(
        platform=platform,
        files=len(files),
        unzipped_bytes=sum(path.stat().st_size for path in files),
        zipped_bytes=zipped_bytes,
    )


def main(argv: list[str] | None = None) -> None:
    """Bundle the asset into a scratch directory and print its size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--platform", default=LAMBDA_PLATFORM, help="pip --platform tag (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        size = measure_asset(bundle_lambda_asset(scratch, platform=args.platform), platform=args.platform)
    if args.json:
        print(json.dumps(asdict(size)))
        return
    print(f"lambda asset ({size.platform}, {size.files} files)")
    print(f"  unzipped_bytes {size.unzipped_bytes}")
    print(f"  zipped_bytes   {size.zipped_bytes}")


if __name__ == "__main__":
    main()
