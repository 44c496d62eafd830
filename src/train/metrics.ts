/**
 * Classification metrics, with scikit-learn's definitions (checked against it in
 * test/train/metrics.test.ts). A class that is never predicted has precision 0,
 * a class that never occurs has recall 0, and F1 is 0 when precision + recall = 0
 * (sklearn's zero_division=0).
 */
export interface ClassificationReport {
  accuracy: number;
  /** [true class][predicted class] counts. */
  confusion: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  /** Number of true examples of each class. */
  support: number[];
  /** Unweighted mean of the per-class F1 (the experiment's headline figure). */
  macroF1: number;
  /** Per-class F1 weighted by support. */
  weightedF1: number;
  macroPrecision: number;
  macroRecall: number;
}

/** Confusion matrix [true][predicted] over numClasses classes. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  if (truth.length !== predicted.length) throw new RangeError(`confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = predicted[i];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses && Number.isInteger(t) && Number.isInteger(p))) {
      throw new RangeError(`confusionMatrix: label ${t} or prediction ${p} at index ${i} is not a class in [0, ${numClasses})`);
    }
    m[t][p]++;
  }
  return m;
}

const safeDiv = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Accuracy, per-class precision / recall / F1, macro and weighted F1, and the confusion matrix.
 * @example classificationReport([0, 1, 1], [0, 1, 0], 2).macroF1   // 0.666…
 */
export function classificationReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): ClassificationReport {
  const confusion = confusionMatrix(truth, predicted, numClasses);
  const precision: number[] = [], recall: number[] = [], f1: number[] = [], support: number[] = [];
  let correct = 0;
  for (let c = 0; c < numClasses; c++) {
    const tp = confusion[c][c];
    const actual = confusion[c].reduce((s, v) => s + v, 0);          // row: true c
    const predictedC = confusion.reduce((s, row) => s + row[c], 0);   // column: predicted c
    correct += tp;
    precision.push(safeDiv(tp, predictedC));
    recall.push(safeDiv(tp, actual));
    f1.push(safeDiv(2 * precision[c] * recall[c], precision[c] + recall[c]));
    support.push(actual);
  }
  const n = truth.length;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / Math.max(v.length, 1);
  return {
    accuracy: safeDiv(correct, n), confusion, precision, recall, f1, support,
    macroF1: mean(f1), macroPrecision: mean(precision), macroRecall: mean(recall),
    weightedF1: safeDiv(f1.reduce((s, x, c) => s + x * support[c], 0), n),
  };
}

/**
 * The report of an ensemble: the mean of several models' class probabilities (each
 * [n, numClasses], row-major) decides each prediction, and `loss` is the cross-entropy of that
 * mean.
 */
export function meanProbabilityReport(truth: ArrayLike<number>, probabilities: readonly Float32Array[], numClasses: number): ClassificationReport & { loss: number } {
  const n = truth.length, mean = new Float32Array(n * numClasses);
  for (const p of probabilities) for (let i = 0; i < mean.length; i++) mean[i] += p[i] / probabilities.length;
  let nll = 0;
  for (let i = 0; i < n; i++) nll -= Math.log(Math.max(mean[i * numClasses + truth[i]], 1e-12));
  return { ...classificationReport(truth, argmaxRows(mean, numClasses), numClasses), loss: nll / Math.max(n, 1) };
}

/** The index of the largest value of each row of a row-major [n, k] array (the first one on a tie): the predicted classes. */
export function argmaxRows(scores: ArrayLike<number>, k: number): Int32Array {
  return Int32Array.from({ length: Math.floor(scores.length / k) }, (_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    return best;
  });
}
