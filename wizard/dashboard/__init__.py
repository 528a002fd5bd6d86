"""The staff dashboard's numbers and pictures.

`funnel` says what "reached a step" and "gave up" mean, from the flow's steps and the
transition log; `numbers` counts, in a fixed handful of aggregate queries however many
postings there are; `charts` lays the counts out as SVG shapes for the admin's
templates. The page itself, and the links from each bar to the admin's filtered lists,
are the admin's (wizard.admin.dashboard).
"""
