"""A "2023-style" Civil Service Statistics release built from the shipped 2022 one, for tests.

The data browser's release is 15 tables, every one named data.csv, in a folder per breakdown. The
2022 release that ships in data/ is relabelled as 2023 and every headcount grown by a fixed share,
rounded to 5 as the publisher rounds, so its headline figures differ from the previous release's.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE_2022 = ROOT / "data" / "civil-service-statistics" / "2022"
# Each headcount of the relabelled release: 6% larger, rounded to 5.
GROWTH = 1.06


def _grown(text: str) -> str:
    if not text.isdigit():
        return text  # [c] and blanks stay as published
    return str(int(round(int(text) * GROWTH / 5)) * 5)


def relabelled(data: bytes, year: str = "2023") -> bytes:
    """One published table as if from YEAR's release: data rows' year changed, headcounts grown."""
    text = data.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    count = header.index("Headcount")
    out = [header]
    for row in rows[1:]:
        if len(row) == len(header) and row[0] in ("In post", "New entrant CS", "Leaver CS", "Leaver Dept.") \
                and row[1] == "2022":
            row = [row[0], year, *row[2:count], _grown(row[count]), *row[count + 1:]]
        elif row and row[0] == "Version":
            row = [row[0], row[1].replace("2022", year).replace("2023-", f"{int(year) + 1}-"), *row[2:]]
        out.append(row)
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(out)
    return buffer.getvalue().encode("cp1252")


def release_files(year: str = "2023") -> list[tuple[str, bytes]]:
    """The 15 tables of the relabelled release as (path inside the release, bytes), every one named data.csv."""
    return [(str(path.relative_to(RELEASE_2022)), relabelled(path.read_bytes(), year))
            for path in sorted(RELEASE_2022.rglob("data.csv"))]


def release_zip(target: Path, year: str = "2023") -> Path:
    """The relabelled release as one zip of folders, as a download of the whole release would be."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in release_files(year):
            archive.writestr(f"acses-{year}/{name}", data)
    return target
