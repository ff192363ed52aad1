"""The landscape of CAR-T trials in solid tumours (issue 19): the review of Guo et al. 2025
(Front. Oncol. 15:1652329, seed 004) as a dataset (``trials.py``, ``load.py``, data in
``data/``) and random-effects meta-analysis of its response proportions (``pooling.py``)."""
