import { softmaxRows } from './logistic.js';

/** Mean negative log-likelihood of the true classes under softmax(logits / temperature). */
export function temperedLogLoss(logits: Float64Array, y: Int32Array, k: number, temperature: number): number {
  const p = softmaxRows(
    logits.map((v) => v / temperature),
    k,
  );
  let loss = 0;
  for (let r = 0; r < y.length; r++)
    loss -= Math.log(Math.max(p[r * k + (y[r] as number)] as number, 1e-300));
  return loss / y.length;
}

/**
 * Temperature scaling: the one T > 0 that minimises the log-loss of held-out logits (patient-level
 * cross-validation predictions). Golden-section search over log T in [1/50, 50]; the loss is unimodal in T.
 */
export function fitTemperature(
  logits: Float64Array,
  y: Int32Array,
  k: number,
): { temperature: number; logLoss: number } {
  const f = (logT: number) => temperedLogLoss(logits, y, k, Math.exp(logT));
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(1 / 50);
  let b = Math.log(50);
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > 1e-4) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  const logT = (a + b) / 2;
  return { temperature: Math.exp(logT), logLoss: f(logT) };
}
