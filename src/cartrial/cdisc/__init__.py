"""CDISC datasets of a trial: SDTM (SDTMIG 3.4) from the trial database, ADaM (ADaMIG 1.3)
derived from the SDTM datasets, written as SAS XPORT v5 and Dataset-JSON v1.1 with a
define.xml 2.1 (issue 16). ``dataset.py`` is the one shape every domain builder returns and
every writer reads."""
