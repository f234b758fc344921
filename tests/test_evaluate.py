"""nnnotes.evaluate: predictions, metrics, confusion matrix, a saved run evaluated again."""

from __future__ import annotations

import torch
from torch import nn

from nnnotes import evaluate


def test_evaluating_a_saved_run_again_gives_the_same_test_metrics(finished, capsys):
    out, metrics = finished
    again = evaluate.evaluate_run(out)
    assert again["test_acc"] == metrics["test_acc"]
    assert again["confusion_matrix"] == metrics["confusion_matrix"]
    assert evaluate.main([str(out)]) == 0
    assert f"test accuracy {metrics['test_acc']:.4f}" in capsys.readouterr().out



def test_confusion_matrix_rows_are_truth_and_columns_predictions():
    m = evaluate.confusion_matrix(torch.tensor([1, 1, 2]), torch.tensor([0, 1, 2]), 3)
    assert m.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_predict_uses_eval_mode_builds_no_graph_and_restores_the_mode():
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3)).train()
    x = torch.randn(6, 4)
    logits = evaluate.predict(model, x, batch_size=4)  # two chunks
    assert model.training and not logits.requires_grad
    model.eval()
    assert torch.equal(logits, model(x).detach())


def test_accuracy_counts_rows_whose_largest_logit_is_the_target():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0], [1.0, 2.0]])
    assert evaluate.accuracy(logits, torch.tensor([0, 1, 1, 1])) == 0.75


def test_evaluate_command_on_a_missing_run_exits_5_without_a_traceback(tmp_path, capsys):
    assert evaluate.main([str(tmp_path / "nothing")]) == 5
    err = capsys.readouterr().err
    assert err.startswith("error: no run at") and "Traceback" not in err
