"""Reading a posterior and drawing calibrated parameter sets."""

import numpy as np
import pytest

from calibration.posterior import Posterior, PosteriorError, weighted_quantile
from calibration.priors import FREE_PARAMETERS


def test_weighted_quantile():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(v, np.ones(4), 0.5) == 2.0
    assert weighted_quantile(v, np.array([0, 0, 0, 1.0]), 0.05) == 4.0


def write(path, header, rows):
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def test_draw_uses_the_weights(tmp_path):
    names = [p.name for p in FREE_PARAMETERS]
    lo = [p.lo for p in FREE_PARAMETERS]
    hi = [p.hi for p in FREE_PARAMETERS]
    post = Posterior.load(write(tmp_path / "p.csv", [*names, "weight"], [[*lo, 0.0], [*hi, 1.0]]))
    rng = np.random.default_rng(0)
    for _ in range(5):
        assert post.draw(rng).retaliation.propensity == FREE_PARAMETERS[3].hi


@pytest.mark.parametrize(
    "content,message",
    [
        (None, "no such posterior file"),
        ("a,b\n1,2\n", "not a posterior"),
        ("retaliation.propensity,weight\nx,1\n", "not a number"),
        ("retaliation.propensity,weight\n0.5,-1\n", "weights must be"),
    ],
)
def test_bad_posterior_files_are_named(tmp_path, content, message):
    path = tmp_path / "posterior.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(PosteriorError, match=message) as e:
        Posterior.load(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)
