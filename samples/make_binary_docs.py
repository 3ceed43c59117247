#!/usr/bin/env python3
"""Generate the binary sample documents for the Quillmark Robotics corpus.

Writes two files from text defined in this script:

* samples/corpus/public/manuals/stacker-s6-safety-manual.pdf  (fpdf2, 6 pages)
* samples/corpus/public/procedures/warehouse-site-survey.docx (python-docx)

All content is fictional and was written for ragtune. Output is
deterministic: fixed creation dates and metadata in both files, and fixed
timestamps for every member of the DOCX zip archive, so running the script
twice produces identical bytes.

Usage:
    .venv/bin/python samples/make_binary_docs.py
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
from docx.shared import Pt
from fpdf import FPDF

CORPUS = Path(__file__).resolve().parent / "corpus"
PDF_PATH = CORPUS / "public" / "manuals" / "stacker-s6-safety-manual.pdf"
DOCX_PATH = CORPUS / "public" / "procedures" / "warehouse-site-survey.docx"

FIXED_DATE = dt.datetime(2024, 9, 16, 9, 0, 0, tzinfo=dt.UTC)
ZIP_DATE = (2024, 9, 16, 9, 0, 0)

# ---------------------------------------------------------------------------
# PDF: Stacker S6 Safety Manual
# ---------------------------------------------------------------------------
# Each page is a (heading, blocks) pair. A block is ("p", text),
# ("ul", [items]) or ("table", [header, *rows]). Text must be latin-1 because
# the PDF uses the core Helvetica font.

PDF_DOC_ID = "Stacker S6 Safety Manual - QM-S6-SAF-003, Revision C - 16 September 2024"

PDF_PAGES: list[tuple[str, list[tuple]]] = [
    (
        "1. About This Manual",
        [
            (
                "p",
                "This safety manual applies to the Stacker S6 and the Stacker S6-C "
                "cold-store variant running firmware 6.4.1 or later. It is written for "
                "site supervisors, operators and technicians at customer sites and for "
                "Quillmark field service engineers. Read it before working with or near "
                "a Stacker S6.",
            ),
            (
                "p",
                "A printed copy of this manual must be kept at the site supervisor's desk "
                "on every site that runs Stacker S6 robots, and the electronic copy must "
                "be available in Tessel under Help > Manuals.",
            ),
            ("p", "Signal words used in this manual:"),
            (
                "ul",
                [
                    "DANGER - a hazard that will cause death or serious injury if not avoided.",
                    "WARNING - a hazard that could cause death or serious injury.",
                    "CAUTION - a hazard that could cause minor injury or damage to equipment.",
                ],
            ),
            (
                "p",
                "Training requirement: every person who works near Stacker S6 robots must "
                "hold a valid Quillmark Safety Level 1 certificate (2-hour course, renewed "
                "every 12 months). Anyone who opens covers, replaces parts or works inside "
                "the drive bay must also hold Quillmark Maintenance Level 2.",
            ),
            (
                "p",
                "Stop-work authority: anyone may stop a Stacker S6 at any time if they "
                "believe a situation is unsafe, by pressing an emergency stop button.",
            ),
        ],
    ),
    (
        "2. Emergency Stop and Stopping Distances",
        [
            (
                "p",
                "The Stacker S6 has five emergency stop buttons: one on each corner of the "
                "top cover and one on the Q-Pendant. Pressing any of them removes power "
                "from the drive motors and the lift within 100 milliseconds and applies "
                "the spring brakes. The robot reports E-733 until the button is released.",
            ),
            (
                "p",
                "Measured stopping distances after an emergency stop, on a dry, sealed "
                "concrete floor:",
            ),
            (
                "table",
                [
                    ("Speed", "Unloaded", "Loaded (1,500 kg)"),
                    ("2.0 m/s (top speed)", "0.95 m", "1.35 m"),
                    ("1.0 m/s", "0.30 m", "0.45 m"),
                    ("0.5 m/s (slow zone)", "0.10 m", "0.15 m"),
                    ("0.3 m/s (handoff zone)", "0.05 m", "0.08 m"),
                ],
            ),
            (
                "p",
                "Stopping distances increase by up to 40% on wet or dusty floors. Never "
                "stand in the path of a moving loaded robot, even if you have pressed an "
                "emergency stop.",
            ),
            (
                "p",
                "Test one emergency stop button at the start of every shift, using a "
                "different button each day, and record the test in Tessel under "
                "Robot > Checks.",
            ),
        ],
    ),
    (
        "3. Battery Handling and Storage",
        [
            (
                "p",
                "WARNING: The Stacker S6 battery pack (part QM-BP-72) is a 7.2 kWh, 51.2 V "
                "lithium iron phosphate (LiFePO4) pack. It stores enough energy to cause "
                "serious burns if short-circuited.",
            ),
            (
                "ul",
                [
                    "The pack weighs 58 kg. Always use two people or a lift assist to remove "
                    "or fit it.",
                    "Store spare packs indoors at 15 to 25 deg C, charged to between 40% and "
                    "60%. Recharge stored packs every 6 months.",
                    "Never charge a standard S6 pack below 0 deg C. The S6-C pack has a built-in "
                    "heater and charges on a QL-3C Q-Link pad down to -25 deg C.",
                    "Keep spare packs at least 5 m from Q-Link pads and outside any robot lane, "
                    "in an area marked as a no-go zone in Tessel.",
                    "Never open a pack, drill into it or ship it without Quillmark UN3480 "
                    "packaging.",
                ],
            ),
            (
                "p",
                "Battery thermal event (smoke, hissing, a sweet solvent smell or a pack "
                "temperature above 70 deg C): DANGER. Clear everyone to at least 15 m, "
                "do not try to move the robot, call the site's emergency services and "
                "then the Quillmark safety hotline on +1 937 555 0177. Do not return to "
                "the area until the fire service says it is safe.",
            ),
        ],
    ),
    (
        "4. Lockout/Tagout for Maintenance",
        [
            (
                "p",
                "Tessel states such as Park, Maintenance and Safety Hold are software "
                "states. They are NOT an energy lockout. Before any work inside the drive "
                "bay, the lift mast or the battery compartment, follow this lockout/tagout "
                "sequence:",
            ),
            (
                "ul",
                [
                    "Step 1: Set the robot to Maintenance in Tessel and lower the forks fully.",
                    "Step 2: Turn the key switch to OFF and remove the key. Keep the key with you.",
                    "Step 3: Press the red battery isolator at the rear of the robot.",
                    "Step 4: Fit your own red personal lock and a signed tag to the isolator. "
                    "Every person working on the robot fits their own lock.",
                    "Step 5: Wait 5 minutes for the drive capacitors to discharge.",
                    "Step 6: Confirm zero energy: the display is dark, and the DC bus test point "
                    "reads below 5 V.",
                ],
            ),
            (
                "p",
                "Only the person who fitted a lock may remove it. If a lock must be "
                "removed in that person's absence, the site supervisor and a Quillmark "
                "field service engineer must both agree and record it in the service "
                "history.",
            ),
            (
                "p",
                "CAUTION: the lift mast can hold stored energy in the chains. Never work "
                "under raised forks; lower them or support them with the mast stand "
                "QM-MS-6 before starting.",
            ),
        ],
    ),
    (
        "5. Pedestrian Safety Fields",
        [
            (
                "p",
                "Two safety lidars, front and rear, monitor the area around the robot. "
                "The independent safety controller uses two fields that scale with speed:",
            ),
            (
                "table",
                [
                    ("Field", "Size at top speed (2.0 m/s)", "Robot reaction"),
                    ("Warning field", "3.0 m ahead", "Slows to 0.5 m/s, warning tone"),
                    ("Protective field", "1.8 m ahead", "Stops (soft stop, amber light)"),
                ],
            ),
            (
                "p",
                "While driving, the robot projects a blue spot on the floor 2 m ahead in "
                "its direction of travel, so that people can see where it is going. The "
                "warning tone is 72 dB(A) at 1 m.",
            ),
            (
                "ul",
                [
                    "Do not step into the path of a robot to test its sensors.",
                    "Do not ride on a robot or on its load.",
                    "Never cover, tape over or obstruct the lidar windows. An obstructed lidar "
                    "causes E-214 (lidar occlusion), and the robot will stop.",
                    "Pedestrian crossings in Tessel make the robot stop 1.5 m before the "
                    "crossing whenever a person is detected on it.",
                ],
            ),
        ],
    ),
    (
        "6. Incident Reporting and Contacts",
        [
            (
                "p",
                "Report every safety incident and near miss involving a Stacker robot to "
                "Quillmark within 1 hour, even if nobody was hurt. A safety incident "
                "includes contact with a person, a collision with racking or a vehicle, "
                "a dropped load and any battery thermal event.",
            ),
            (
                "ul",
                [
                    "Make sure everyone is safe. Call the site's emergency services if anyone "
                    "is hurt.",
                    "Press an emergency stop on the robot and leave it where it is, unless it "
                    "blocks an emergency exit.",
                    "Put the robot in Safety Hold in Tessel. Only Quillmark can release a "
                    "robot from Safety Hold.",
                    "Preserve the logs with Tessel > Robot > Logs > Preserve. Robot logs are "
                    "otherwise overwritten after 14 days.",
                    "Call the Quillmark safety hotline: +1 937 555 0177 (24/7).",
                ],
            ),
            (
                "p",
                "Quillmark Safety Officer: Hollis Brennan. Support (non-urgent): "
                "support@quillmark-robotics.example or +1 937 555 0140.",
            ),
            (
                "p",
                "Quillmark sends a written root cause analysis for every safety incident "
                "within 10 business days.",
            ),
        ],
    ),
]


class SafetyManualPDF(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, PDF_DOC_ID, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 8, f"Quillmark Robotics, Inc. - Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def build_pdf() -> bytes:
    pdf = SafetyManualPDF(format="A4", unit="mm")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("Stacker S6 Safety Manual")
    pdf.set_author("Quillmark Robotics, Inc.")
    pdf.set_subject("Safety manual for the Stacker S6 and Stacker S6-C (QM-S6-SAF-003 Rev C)")
    pdf.set_keywords("Quillmark, Stacker S6, safety, emergency stop, battery, lockout")
    pdf.set_creator("samples/make_binary_docs.py")
    pdf.set_producer("ragtune sample generator")
    pdf.set_lang("en")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 15, 20)

    for page_index, (heading, blocks) in enumerate(PDF_PAGES):
        pdf.add_page()
        if page_index == 0:
            pdf.set_font("Helvetica", "B", 20)
            pdf.cell(0, 12, "Stacker S6 Safety Manual", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10)
            pdf.cell(
                0,
                6,
                "Document QM-S6-SAF-003, Revision C. Published 16 September 2024.",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.ln(4)
        pdf.set_font("Helvetica", "B", 15)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        for kind, content in blocks:
            if kind == "p":
                pdf.set_font("Helvetica", "", 11)
                pdf.multi_cell(0, 6, content, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
            elif kind == "ul":
                pdf.set_font("Helvetica", "", 11)
                for item in content:
                    pdf.set_x(pdf.l_margin + 4)
                    pdf.multi_cell(0, 6, "- " + item, new_x="LMARGIN", new_y="NEXT")
                    pdf.ln(1)
                pdf.ln(2)
            elif kind == "table":
                header, *rows = content
                widths = [50, 55, 65]
                pdf.set_font("Helvetica", "B", 10)
                for w, text in zip(widths, header, strict=True):
                    pdf.cell(w, 7, text, border=1)
                pdf.ln()
                pdf.set_font("Helvetica", "", 10)
                for row in rows:
                    for w, text in zip(widths, row, strict=True):
                        pdf.cell(w, 7, text, border=1)
                    pdf.ln()
                pdf.ln(4)
            else:  # pragma: no cover - guard against typos in PDF_PAGES
                raise ValueError(f"unknown block kind {kind!r}")
        if pdf.page_no() != page_index + 1:
            raise RuntimeError(f"section {heading!r} overflowed onto an extra page")
    return bytes(pdf.output())


# ---------------------------------------------------------------------------
# DOCX: Warehouse Site Survey Procedure
# ---------------------------------------------------------------------------
# A list of (style, text) pairs. Styles: "h1", "h2", "p", "li".

DOCX_CONTENT: list[tuple[str, str]] = [
    ("h1", "Warehouse Site Survey Procedure"),
    (
        "p",
        "Procedure ID: QM-PRC-DEP-004, Revision B. Owner: Deployment team. Effective: 8 July 2024.",
    ),
    (
        "p",
        "This procedure describes how a Quillmark deployment engineer surveys a customer "
        "warehouse before Stacker robots and Q-Link pads are installed. The survey tells "
        "the customer exactly what must change on their site and tells Quillmark whether "
        "the planned fleet will work there.",
    ),
    ("h1", "1. Purpose and Timing"),
    (
        "p",
        "The site survey is phase 2 of onboarding a new customer site. It takes place "
        "within 10 business days of contract signature. A survey normally takes one day "
        "on site for buildings up to 20,000 square metres and two days for larger "
        "buildings.",
    ),
    (
        "p",
        "The survey report is written on form QM-F-112 and delivered to the customer "
        "within 5 business days of the visit.",
    ),
    ("h1", "2. Before the Visit"),
    ("h2", "2.1 Documents to request from the customer"),
    (
        "li",
        "A CAD floor plan (DWG, or PDF at a scale of 1:200) with racking, dock doors and "
        "fire exits marked.",
    ),
    ("li", "Shift patterns, peak hours and the number of dock doors in use per shift."),
    ("li", "An existing Wi-Fi heat map, if the customer has one."),
    ("li", "The name of the customer's Site Lead and of their network and electrical contacts."),
    ("h2", "2.2 Equipment to bring"),
    ("li", "A 3 m straightedge and a set of feeler gauges."),
    ("li", "The Wi-Fi survey kit (5 GHz client adapter and survey laptop)."),
    ("li", "A laser distance meter, a digital level and a lux meter."),
    (
        "li",
        "Personal protective equipment: safety footwear, high-visibility vest and the "
        "customer's required items.",
    ),
    ("h1", "3. Floor Assessment"),
    ("h2", "3.1 Flatness"),
    (
        "p",
        "Check flatness along every planned robot lane using the 3 m straightedge. The gap "
        "under the straightedge must not exceed 5 mm anywhere robots will drive. Record "
        "every location that fails, with a photo and its grid reference on the floor plan.",
    ),
    ("h2", "3.2 Slope"),
    (
        "p",
        "The floor must not slope more than 2% anywhere robots drive, and not more than 1% "
        "under a Q-Link pad. Steeper slopes cause E-630 drive motor overcurrent errors and "
        "must be excluded from the lane map.",
    ),
    ("h2", "3.3 Joints and cracks"),
    (
        "p",
        "Expansion joints and cracks must be no wider than 10 mm, with a height difference "
        "of no more than 3 mm between the two sides. Wider joints must be filled before "
        "installation.",
    ),
    ("h2", "3.4 Surface"),
    (
        "p",
        "Sealed or epoxy-coated concrete is suitable. Note any standing water, oil, loose "
        "debris or painted lines that are peeling, because they affect braking and the "
        "floor markers robots use at Q-Link pads.",
    ),
    ("h1", "4. Aisles and Clearances"),
    ("h2", "4.1 Aisle widths"),
    (
        "p",
        "Minimum aisle width is 2.2 m for the Stacker S4 and S4L, and 2.8 m for the "
        "Stacker S6 and S6-C. Measure the narrowest point of every aisle, including "
        "columns, fire equipment and pallets that are routinely left in the aisle.",
    ),
    ("h2", "4.2 Overhead clearance"),
    (
        "p",
        "Where a Stacker S6 will lift to full height (3.0 m), at least 3.4 m of clear "
        "height is needed above the floor, including sprinkler heads and lights.",
    ),
    ("h2", "4.3 Handoff zones"),
    (
        "p",
        "Each handoff zone needs a 2.4 m by 1.8 m area plus a clear robot approach of "
        "1.0 m, and lighting of at least 150 lux measured at floor level. Poor lighting "
        "is a common cause of E-322 pallet confidence errors.",
    ),
    ("h1", "5. Wi-Fi Survey"),
    (
        "p",
        "Robots, Q-Link pads and the Tessel Edge server rely on the customer's Wi-Fi "
        "network. Measure signal strength on a 10 m grid at a height of 1.0 m along every "
        "planned lane, on the 5 GHz band.",
    ),
    ("li", "Signal strength: at least -67 dBm everywhere robots drive or charge."),
    ("li", "Roaming: handover between access points in under 100 ms."),
    ("li", "Packet loss: below 1% during a 5-minute test at each grid point."),
    (
        "p",
        "Areas below -67 dBm are marked on the floor plan in red. Weak coverage causes "
        "E-502 heartbeat lost errors and dark robots.",
    ),
    ("h1", "6. Power and Charging Locations"),
    ("h2", "6.1 Q-Link pads"),
    (
        "p",
        "Propose one Q-Link pad for every 4 Stacker S4 robots or every 3 Stacker S6 "
        "robots. Each pad needs a dedicated 40 A circuit at 208-240 V single phase and a "
        "straight, clear approach of at least 3.0 m. Do not place pads within 5 m of a "
        "battery storage area or a fire exit.",
    ),
    ("h2", "6.2 Tessel Edge server"),
    (
        "p",
        "Identify a rack position or a lockable room for the Tessel Edge server, with a "
        "wired network connection and a UPS that can run the server for at least 15 "
        "minutes.",
    ),
    ("h1", "7. Survey Report"),
    ("h2", "7.1 Contents"),
    (
        "p",
        "The report on form QM-F-112 contains the marked-up floor plan, the Wi-Fi heat "
        "map, a list of required site changes with owners, the proposed positions of "
        "handoff zones and Q-Link pads, and an overall rating.",
    ),
    ("h2", "7.2 Site rating"),
    ("li", "Ready - installation can be scheduled."),
    (
        "li",
        "Ready with actions - installation can be scheduled once the listed changes are "
        "complete and the site readiness checklist is signed.",
    ),
    (
        "li",
        "Not ready - a second survey visit is needed after the customer has made major changes.",
    ),
    (
        "p",
        "A second survey visit is charged at $1,800 per day, unless the customer has "
        "purchased Gold Care.",
    ),
]


def _normalise_zip(raw: bytes) -> bytes:
    """Rewrite a zip archive with fixed timestamps so output is reproducible."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def build_docx() -> bytes:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)

    for style, text in DOCX_CONTENT:
        if style == "h1":
            document.add_heading(text, level=1)
        elif style == "h2":
            document.add_heading(text, level=2)
        elif style == "p":
            document.add_paragraph(text)
        elif style == "li":
            document.add_paragraph(text, style="List Bullet")
        else:  # pragma: no cover - guard against typos in DOCX_CONTENT
            raise ValueError(f"unknown style {style!r}")

    props = document.core_properties
    props.title = "Warehouse Site Survey Procedure"
    props.subject = "QM-PRC-DEP-004 Revision B"
    props.author = "Quillmark Robotics Deployment team"
    props.last_modified_by = "Quillmark Robotics Deployment team"
    props.keywords = "Quillmark, site survey, Stacker, Q-Link, Wi-Fi"
    props.comments = "Fictional sample document written for ragtune."
    props.category = "Procedure"
    props.revision = 2
    naive = FIXED_DATE.replace(tzinfo=None)
    props.created = naive
    props.modified = naive
    props.last_printed = naive

    buf = io.BytesIO()
    document.save(buf)
    return _normalise_zip(buf.getvalue())


def main() -> None:
    PDF_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCX_PATH.parent.mkdir(parents=True, exist_ok=True)
    PDF_PATH.write_bytes(build_pdf())
    DOCX_PATH.write_bytes(build_docx())
    for path in (PDF_PATH, DOCX_PATH):
        print(f"wrote {path.relative_to(CORPUS.parent.parent)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
