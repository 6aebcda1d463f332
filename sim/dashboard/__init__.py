"""The dashboard: watch one ceasefire day by day, run replications, browse and compare sweeps
(Mesa's SolaraViz; ``make dashboard``, docs/dashboard.md).

The page is built on the layers below it and computes nothing of its own that the command line
computes: a run is :mod:`sim.api`'s configuration and the model of ``ceasefire-sim``'s replication 0,
replications are :func:`sim.api.run`, sweeps are :mod:`sim.sweep`'s readers, plots and
``ceasefire-compare``'s statistics. What it adds is watching:

- :mod:`~sim.dashboard.levers` -- the page's settings (scenario, parameter source, seed, sliders) as the
  command line's overrides, and the one command that reproduces a run;
- :mod:`~sim.dashboard.playback` -- the ceasefire model built from the page's inputs, which Mesa's
  controls step an hour at a time (a Step of the page is a day), and what the page keeps beside it;
- :mod:`~sim.dashboard.frame` -- what a run looks like now, read from the model between steps: positions,
  incidents, pressure and coverage over time, losses, the collapse;
- :mod:`~sim.dashboard.border`, :mod:`~sim.dashboard.timeline`, :mod:`~sim.dashboard.claims` -- the run
  view's pictures: the border schematic, the timeline panels, the claims against who fired first;
- :mod:`~sim.dashboard.replications` -- N replications of the current settings against ``sept2022``;
- :mod:`~sim.dashboard.sweeps` -- a sweep folder's curves, heatmap and Cox table; two compared;
- :mod:`~sim.dashboard.colours` -- one colour per meaning, on every figure of the page;
- :mod:`~sim.dashboard.messages` -- bad input as the command line's one line, never a traceback;
- :mod:`~sim.dashboard.assets` -- the page's front-end files, from the npm registry into solara's cache;
- :mod:`~sim.dashboard.app` -- the page itself (``solara run sim/dashboard/app.py``).
"""
