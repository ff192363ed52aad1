"""Writers and readers of CDISC datasets: SAS XPORT v5 (``xpt``) and Dataset-JSON v1.1
(``dataset_json``), with the transport limits both share checked in one place (``limits``)."""
