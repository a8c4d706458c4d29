"""What skhnm reads of a Pipeline's structure (skhnm._steps)."""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skhnm._steps import final_step, steps_of


def test_a_pipeline_s_steps_leave_out_passthrough_and_none():
    lr = LogisticRegression()
    pipe = Pipeline(
        [("a", "passthrough"), ("scale", StandardScaler()), ("b", None), ("lr", lr)]
    )
    assert [name for name, _ in steps_of(pipe)] == ["scale", "lr"]
    assert final_step(pipe) == ("lr__", lr)


def test_an_estimator_is_its_own_final_step():
    lr = LogisticRegression()
    assert steps_of(lr) == []
    assert final_step(lr) == ("", lr)
    # A Pipeline's parameter prefix reaches its final step's parameters.
    pipe = make_pipeline(StandardScaler(), lr)
    prefix, final = final_step(pipe)
    pipe.set_params(**{prefix + "C": 0.25})
    assert final is lr and lr.C == 0.25
