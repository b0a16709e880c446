"""How the inventory cuts a run's packages into shards: by count, and for keep.dependencies never across one
repository's packages of a format (a dependency must be planned in its target's shard)."""

from hypothesis import given
from hypothesis import strategies as st

from disposer.model.packages import PackageFormat, PackageRef
from disposer.steps.inventory import cut

refs = st.lists(
    st.builds(
        lambda repository, fmt, name: PackageRef("acme", None, repository, fmt, None, name),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([PackageFormat.NPM, PackageFormat.PYPI]),
        st.text("xyz", min_size=1, max_size=3),
    ),
    unique=True,
    max_size=40,
).map(lambda found: sorted(found, key=lambda ref: ref.sort_key))


@given(refs, st.integers(1, 7))
def test_whole_repositories_are_never_split_and_nothing_is_lost(packages: list[PackageRef], size: int):
    shards = cut(packages, size, whole_repositories=True)
    assert [ref for shard in shards for ref in shard] == packages
    groups = [{(ref.repository, ref.format) for ref in shard} for shard in shards]
    for index, group in enumerate(groups):
        for other in groups[index + 1 :]:
            assert not group & other
    # A shard grows past the size only to finish a group it began.
    for shard in shards:
        if len(shard) > size:
            assert len({(ref.repository, ref.format) for ref in shard[size - 1 :]}) == 1


@given(refs, st.integers(1, 7))
def test_by_count_otherwise(packages: list[PackageRef], size: int):
    shards = cut(packages, size)
    assert [ref for shard in shards for ref in shard] == packages
    assert all(len(shard) == size for shard in shards[:-1])
