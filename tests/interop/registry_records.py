"""NCT05783089 as a ClinicalTrials.gov API v2 study record, built from the seeds.

Seed 001 is the record as the registry's web page shows it and seed 002 the registry's export
of the same study (primary and secondary outcomes, interventions). This module turns their text
into the documented ``protocolSection`` structure, the way ``GET /api/v2/studies/NCT05783089``
answers, so that the importer is tested on the registry's own words. Bullets "- " become the
API's markdown "* ".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).parents[3] / "shared" / "seeds"


def _seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _cell(text: str, label: str) -> str:
    m = re.search(rf"^{re.escape(label)}\s*:?\s*\|\s*(.*?)\s*\|", text, re.MULTILINE)
    assert m, label
    return m.group(1)


def _outcomes(line: str) -> list[dict[str, str]]:
    out = []
    for item in line.split("|"):
        measure, _, rest = item.partition(", ")
        description, _, time_frame = rest.rpartition(", ")
        out.append({"measure": measure, "description": description, "timeFrame": time_frame})
    return out


def nct05783089() -> dict[str, Any]:
    page, export = _seed("001"), _seed("002").splitlines()
    eligibility = page[
        page.index("Inclusion Criteria:") : page.rindex("To learn more about this study")
    ]
    eligibility = re.sub(r"^- ", "* ", eligibility.strip(), flags=re.MULTILINE)
    eligibility = re.sub(r"^-$", "*", eligibility, flags=re.MULTILINE)
    arm_description = page.split("Experimental: Anti-mesothelin CAR-T cells Injection\n")[
        1
    ].splitlines()[0]
    interventions = []
    for item in export[3].split("|"):
        kind, _, name = item.partition(": ")
        interventions.append({"type": kind, "name": name})
    interventions[0]["description"] = (
        "Anti-mesothelin CAR-T cells are autologous genetically modified T cells. "
        "Cells will be infused intravenously."
    )
    interventions[0]["otherNames"] = ["UCLM802 Cell Injection"]
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": "NCT05783089",
                "orgStudyIdInfo": {"id": "UCLM802-IV"},
                "briefTitle": page.splitlines()[0],
                "officialTitle": _cell(page, "Official Title:"),
            },
            "statusModule": {
                "overallStatus": "NOT_YET_RECRUITING",
                "lastUpdatePostDateStruct": {"date": "2023-03-24", "type": "ESTIMATED"},
            },
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": _cell(page, "Responsible Party:")}
            },
            "descriptionModule": {"briefSummary": export[1]},
            "conditionsModule": {"conditions": [export[2]]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": ["PHASE1"],
                "designInfo": {
                    "interventionModel": "SINGLE_GROUP",
                    "interventionModelDescription": _cell(page, "Intervention Model Description:"),
                },
                "enrollmentInfo": {"count": 87, "type": "ESTIMATED"},
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {
                        "label": "Anti-mesothelin CAR-T cells Injection",
                        "type": "EXPERIMENTAL",
                        "description": arm_description,
                        "interventionNames": ["Biological: Anti-mesothelin CAR-T cells"],
                    }
                ],
                "interventions": interventions,
            },
            "outcomesModule": {
                "primaryOutcomes": _outcomes(export[4]),
                "secondaryOutcomes": _outcomes(export[5]),
            },
            "eligibilityModule": {
                "eligibilityCriteria": eligibility,
                "healthyVolunteers": False,
                "sex": "ALL",
                "minimumAge": "18 Years",
                "stdAges": ["ADULT", "OLDER_ADULT"],
            },
            "contactsLocationsModule": {
                "locations": [
                    {
                        "facility": "National Cancer Center/Cancer Hospital, Chinese Academy of "
                        "Medical Sciences and Peking Union Medical College"
                    }
                ]
            },
        }
    }
