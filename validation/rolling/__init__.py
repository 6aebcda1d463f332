"""Validation forecast by forecast (``ceasefire-validate validation.mode=rolling``): the records on one
clock (:mod:`~validation.rolling.timeline`), the model's parameters at each origin from a bank of prior
draws (:mod:`~validation.rolling.bank`), the forecasts and their scores (:mod:`~validation.rolling.run`)
and the report (:mod:`~validation.rolling.report`)."""
