"""Ids sort by creation time, so timelines page by id range."""

from fedi.storage.ids import id_floor, id_time_ms, new_id


def test_ids_increase_and_carry_their_time():
    """Ids made one after another always increase and encode the millisecond they were made."""
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i < 2**63 for i in ids)
    made = new_id(now_ms=1_900_000_000_000)
    assert id_time_ms(made) >= 1_900_000_000_000
    assert id_floor(1_900_000_000_001) > made or id_time_ms(made) > 1_900_000_000_000
