"""The vector engine's arrays, person by person: the "Memory" table of docs/performance.md as invariants."""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.engines.vector import VectorModel, new_people
from cxsim.spec import compile_spec

GOAL_BYTES_PER_PERSON = 250  # issue 15: at most 250 bytes a person, a degree-10 network included


@pytest.fixture(scope="module")
def model() -> VectorModel:
    return VectorModel(spec=compile_spec(cxsim.load_config(["population.size=3000", "simulation.days=1"])))


def test_network_costs_four_bytes_a_tie_and_a_person(model: VectorModel) -> None:
    """int32 person indices and row offsets: 4 bytes per tie and 4 per person (plus one offset)."""
    net = model.network
    assert net.indices.nbytes == 4 * net.indices.shape[0]
    assert net.indptr.nbytes == 4 * (net.size + 1)


def test_segment_takes_one_byte_below_128_segments() -> None:
    """A person's segment is int8 while there are at most 127 segments, int32 beyond."""
    assert new_people(10, 127).segment.dtype == np.int8
    assert new_people(10, 128).segment.dtype == np.int32


def test_people_and_network_within_the_goal(model: VectorModel) -> None:
    """Every per-person array of the default market (state, degree-10 network, WOM counts) fits in 250 bytes."""
    n = model.spec.size
    people = sum(a.nbytes for a in model.people)
    net = model.network.indptr.nbytes + model.network.indices.nbytes
    wom = model._pos.nbytes + model._neg.nbytes
    assert model.network.mean_degree == pytest.approx(10, abs=0.05)
    assert (people + net + wom) / n <= GOAL_BYTES_PER_PERSON
