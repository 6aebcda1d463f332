"""Out-of-sample validation: forecasts of the window after the calibration record, scored against what happened."""
