import { patientFolds } from './folds.js';
import { seededRandom, shuffled } from './random.js';
import { classesOf, type Sample } from './samples.js';
import { l2Normalize } from './vectors.js';

/**
 * The learnt face space: a linear projection of the backbone embedding, L2-normalised, trained with an
 * additive angular margin softmax (ArcFace: the true class's logit is s·cos(θ + m)), class-balanced,
 * the number of epochs chosen on held-out patients.
 */
export interface ProjectionHead {
  inputDim: number;
  outputDim: number;
  /** outputDim x inputDim, row-major. */
  weights: Float32Array;
  epochs: number;
  scale: number;
  margin: number;
}

export interface HeadOptions {
  outputDim?: number;
  scale?: number;
  margin?: number;
  maxEpochs?: number;
  learningRate?: number;
  batch?: number;
  seed?: number;
}

const defaults = {
  outputDim: 64,
  scale: 10,
  margin: 0.3,
  maxEpochs: 40,
  learningRate: 0.005,
  batch: 32,
  seed: 1,
};

/** The head's output for one backbone embedding: W x, normalised. */
export function project(head: ProjectionHead, x: Float32Array): Float32Array {
  const out = new Float32Array(head.outputDim);
  for (let o = 0; o < head.outputDim; o++) {
    let s = 0;
    const wo = o * head.inputDim;
    for (let i = 0; i < head.inputDim; i++) s += (head.weights[wo + i] as number) * (x[i] as number);
    out[o] = s;
  }
  return l2Normalize(out);
}

export function projectSamples(head: ProjectionHead, samples: readonly Sample[]): Sample[] {
  return samples.map((s) => ({ ...s, vector: project(head, s.vector) }));
}

class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(
    private readonly params: Float64Array,
    private readonly lr: number,
  ) {
    this.m = new Float64Array(params.length);
    this.v = new Float64Array(params.length);
  }
  step(grad: Float64Array): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < grad.length; i++) {
      const g = grad[i] as number;
      this.m[i] = b1 * (this.m[i] as number) + (1 - b1) * g;
      this.v[i] = b2 * (this.v[i] as number) + (1 - b2) * g * g;
      this.params[i] =
        (this.params[i] as number) -
        (this.lr * ((this.m[i] as number) / c1)) / (Math.sqrt((this.v[i] as number) / c2) + 1e-8);
    }
  }
}

interface Trainer {
  /** One epoch over the training samples; returns nothing, moves the parameters. */
  epoch(): void;
  /** Class-weighted softmax loss (no margin) of held-out samples: the early-stopping criterion. */
  loss(samples: readonly Sample[]): number;
  head(epochs: number): ProjectionHead;
}

function trainer(train: readonly Sample[], classes: string[], o: typeof defaults): Trainer {
  const d = train[0]?.vector.length ?? 0;
  const p = o.outputDim;
  const k = classes.length;
  const rand = seededRandom(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  // Parameters: W (p x d) then class centres (k x p).
  const params = Float64Array.from({ length: p * d + k * p }, () => gauss() / Math.sqrt(d));
  const adam = new Adam(params, o.learningRate);
  const counts = new Map<string, number>();
  for (const s of train) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  const weightOf = (label: string) => train.length / (counts.size * (counts.get(label) ?? 1));
  const cosM = Math.cos(o.margin);
  const sinM = Math.sin(o.margin);
  const threshold = Math.cos(Math.PI - o.margin);

  /** Forward (and, with grad, backward) for one sample; returns its weighted loss. */
  const step = (x: Float32Array, y: number, w: number, margin: boolean, grad?: Float64Array): number => {
    const h = new Float64Array(p);
    for (let r = 0; r < p; r++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (params[r * d + i] as number) * (x[i] as number);
      h[r] = s;
    }
    const hn = Math.sqrt(h.reduce((a, v) => a + v * v, 0)) || 1e-12;
    const e = h.map((v) => v / hn);
    const cn = new Float64Array(k);
    const cos = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const co = p * d + c * p;
      let n2 = 0;
      let dp = 0;
      for (let r = 0; r < p; r++) {
        n2 += (params[co + r] as number) ** 2;
        dp += (params[co + r] as number) * (e[r] as number);
      }
      cn[c] = Math.sqrt(n2) || 1e-12;
      cos[c] = dp / (cn[c] as number);
    }
    const cy = cos[y] as number;
    const sinY = Math.sqrt(Math.max(1e-12, 1 - cy * cy));
    const useArc = margin && cy > threshold;
    const target = !margin ? cy : useArc ? cy * cosM - sinY * sinM : cy - o.margin * sinM;
    const dTarget = !margin ? 1 : useArc ? cosM + (sinM * cy) / sinY : 1;
    const z = Float64Array.from(cos, (v, c) => o.scale * (c === y ? target : v));
    const max = Math.max(...z);
    const ez = z.map((v) => Math.exp(v - max));
    const sum = ez.reduce((a, v) => a + v, 0);
    const loss = -w * Math.log(Math.max((ez[y] as number) / sum, 1e-300));
    if (!grad) return loss;
    const gCos = Float64Array.from(
      ez,
      (v, c) => w * o.scale * (v / sum - (c === y ? 1 : 0)) * (c === y ? dTarget : 1),
    );
    const gE = new Float64Array(p);
    for (let c = 0; c < k; c++) {
      const co = p * d + c * p;
      const g = gCos[c] as number;
      const inv = 1 / (cn[c] as number);
      // d cos / d centre = (e - cos·ĉ) / |c|; d cos / d e = ĉ.
      for (let r = 0; r < p; r++) {
        const chat = (params[co + r] as number) * inv;
        gE[r] = (gE[r] as number) + g * chat;
        grad[co + r] = (grad[co + r] as number) + g * ((e[r] as number) - (cos[c] as number) * chat) * inv;
      }
    }
    const eg = e.reduce((a, v, r) => a + v * (gE[r] as number), 0);
    for (let r = 0; r < p; r++) {
      const gh = ((gE[r] as number) - (e[r] as number) * eg) / hn;
      if (gh === 0) continue;
      const ro = r * d;
      for (let i = 0; i < d; i++) grad[ro + i] = (grad[ro + i] as number) + gh * (x[i] as number);
    }
    return loss;
  };

  const ys = train.map((s) => classes.indexOf(s.label));
  return {
    epoch() {
      const order = shuffled(
        train.map((_, i) => i),
        rand,
      );
      for (let b = 0; b < order.length; b += o.batch) {
        const grad = new Float64Array(params.length);
        const batch = order.slice(b, b + o.batch);
        for (const i of batch) {
          const s = train[i] as Sample;
          step(s.vector, ys[i] as number, weightOf(s.label) / batch.length, true, grad);
        }
        adam.step(grad);
      }
    },
    loss(samples) {
      let total = 0;
      let weight = 0;
      for (const s of samples) {
        const y = classes.indexOf(s.label);
        if (y < 0) continue;
        const w = weightOf(s.label);
        total += step(s.vector, y, w, false);
        weight += w;
      }
      return total / weight;
    },
    head(epochs) {
      return {
        inputDim: d,
        outputDim: p,
        weights: Float32Array.from(params.subarray(0, p * d)),
        epochs,
        scale: o.scale,
        margin: o.margin,
      };
    },
  };
}

/**
 * Trains a head on `samples`. Early stopping: the patients are split 4 ways, a head is trained on three
 * parts while the fourth's loss is watched; the epoch of its lowest loss is how long the final head, on
 * all the samples, trains.
 */
export function trainHead(samples: readonly Sample[], options: HeadOptions = {}): ProjectionHead {
  const o = { ...defaults, ...options };
  const classes = classesOf(samples);
  if (classes.length < 2)
    throw new Error(`a projection head needs at least two labels, found ${classes.length}`);
  const folds = patientFolds(samples, 4, o.seed);
  const inner = trainer(
    samples.filter((_, i) => folds[i] !== 0),
    classes,
    o,
  );
  const held = samples.filter((_, i) => folds[i] === 0);
  let best = { epoch: 1, loss: Infinity };
  for (let e = 1; e <= o.maxEpochs; e++) {
    inner.epoch();
    const loss = inner.loss(held);
    if (loss < best.loss) best = { epoch: e, loss };
    else if (e - best.epoch >= 5) break; // five epochs without improvement: the curve has turned
  }
  const final = trainer(samples, classes, o);
  for (let e = 0; e < best.epoch; e++) final.epoch();
  return final.head(best.epoch);
}
