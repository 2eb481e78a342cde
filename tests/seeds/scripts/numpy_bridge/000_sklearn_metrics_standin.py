# Seed 000, 模型评估 / 3. 计算性能指标 (Precision, Recall, F1) and 4. 混淆矩阵
# scikit-learn is not installed here (and is not torch behaviour). These four
# one-line snippets are kept, with `from sklearn.metrics import ...` replaced by
# small NumPy stand-ins of the same functions defined below. What they exercise
# is handing torch tensors to NumPy-based code (np.asarray(tensor)).
import torch
import numpy as np

torch.manual_seed(0)


# --- stand-ins for sklearn.metrics (weighted averaging, as sklearn does) ---
def _per_class(labels, predicted):
    y_true = np.asarray(labels)
    y_pred = np.asarray(predicted)
    classes = np.unique(np.concatenate([y_true, y_pred]))
    rows = []
    for c in classes:
        tp = np.sum((y_pred == c) & (y_true == c))
        fp = np.sum((y_pred == c) & (y_true != c))
        fn = np.sum((y_pred != c) & (y_true == c))
        support = np.sum(y_true == c)
        p = tp / (tp + fp) if tp + fp > 0 else 0.0
        r = tp / (tp + fn) if tp + fn > 0 else 0.0
        f = 2 * p * r / (p + r) if p + r > 0 else 0.0
        rows.append((p, r, f, support))
    return np.array(rows, dtype=np.float64)


def precision_score(labels, predicted, average='weighted'):
    rows = _per_class(labels, predicted)
    return float(np.average(rows[:, 0], weights=rows[:, 3]))


def recall_score(labels, predicted, average='weighted'):
    rows = _per_class(labels, predicted)
    return float(np.average(rows[:, 1], weights=rows[:, 3]))


def f1_score(labels, predicted, average='weighted'):
    rows = _per_class(labels, predicted)
    return float(np.average(rows[:, 2], weights=rows[:, 3]))


def confusion_matrix(labels, predicted):
    y_true = np.asarray(labels)
    y_pred = np.asarray(predicted)
    classes = np.unique(np.concatenate([y_true, y_pred]))
    m = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        m[np.searchsorted(classes, t), np.searchsorted(classes, p)] += 1
    return m
# --- end of stand-ins ---


labels = torch.tensor([0, 1, 2, 1, 0, 2, 2, 1])
predicted = torch.tensor([0, 2, 2, 1, 0, 1, 2, 1])

precision = precision_score(labels, predicted, average='weighted')

recall = recall_score(labels, predicted, average='weighted')

f1 = f1_score(labels, predicted, average='weighted')

conf_matrix = confusion_matrix(labels, predicted)

print(np.asarray(labels), np.asarray(labels).dtype)
print(f"{precision:.6f} {recall:.6f} {f1:.6f}")
print(conf_matrix)
