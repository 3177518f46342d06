"""Deliberately broken micrograd-style engines: each module's ``Value`` has one classic bug
(or, in ``good``, none). ``tests/autograd/test_check_engine.py`` checks that
``check_engine`` finds each bug and blames the right op or pitfall."""
