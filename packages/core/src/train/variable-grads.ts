import * as tf from '@tensorflow/tfjs-core';

/** One recorded op of tfjs's gradient tape (the engine's internal record, as tfjs-core 4 keeps it). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The engine internals a backward pass needs (tfjs-core 4; not in its public types). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
}

/**
 * `tf.variableGrads(f, varList)` with the memory of PyTorch's backward: tfjs keeps every tensor its backward pass
 * produces until the pass ends — each op's saved inputs, the gradient of every activation, and one gradient per
 * read of a parameter beside their running sum — so a step's backward holds its whole history. This walks the same
 * tape in the same order with the same gradient functions (so the gradients are the same), but frees what no later
 * op reads: an op's saved tensors and its outputs' gradients once its own gradients are out, and each gradient term
 * once it is added to the running sum. Returns `{value, grads}` as tfjs does (grads by variable name, for the
 * trainable variables of `varList` that `f` reaches; default: every trainable variable).
 */
export function variableGrads(f: () => tf.Scalar, varList?: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const vars = (varList ?? Object.values(tf.engine().registeredVariables)).filter((v) => v.trainable);
  if (vars.length === 0) throw new Error('variableGrads: no trainable variable to differentiate');
  const engine = tf.engine() as unknown as EngineInternals;
  engine.startTape();
  const nested = engine.state.gradientDepth > 1;
  let named: tf.NamedTensorMap;
  let y: tf.Scalar;
  try {
    try {
      y = engine.tidy('forward', f);
    } finally {
      engine.endTape();
    }
    if (!(y instanceof tf.Tensor) || y.rank !== 0) {
      const got = y instanceof tf.Tensor ? `shape [${(y as tf.Tensor).shape}]` : typeof y;
      tf.dispose(y);
      throw new Error(`variableGrads: f must return a scalar tensor, got ${got}`);
    }
    const nodes = pathsFromTo(engine.state.activeTape!, vars, y);
    named = engine.tidy('backward', () => {
      const got = backpropagate(engine, nodes, y, new Set(vars.map((v) => v.id)));
      const out: tf.NamedTensorMap = {};
      for (const v of vars) if (got.has(v.id)) out[v.name] = got.get(v.id)!;
      return out;
    });
  } finally {
    if (!nested) {
      // As tfjs: the tape's saved tensors (those of the ops off the path too) go with it, also when f failed.
      for (const node of engine.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
    }
  }
  if (Object.keys(named).length === 0) {
    y.dispose();
    throw new Error('variableGrads: f reaches none of the variables (compute the loss from them inside f)');
  }
  return { value: y, grads: named };
}

/**
 * The ops on a path from `xs` to `y`, in tape order, each with only its inputs that depend on `xs` (what tfjs's
 * `getFilteredNodesXToY` computes).
 */
function pathsFromTo(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodesFromX.add(node.id);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodesToY.add(node.id);
      for (const t of Object.values(node.inputs)) toY.add(t.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))) }));
}

/** Gradients by tensor id, with a count of the entries holding each tensor (a gradient function may pass one on). */
class GradientMap {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  set(id: number, t: tf.Tensor): void {
    this.drop(id);
    this.byId.set(id, t);
    this.holders.set(t, (this.holders.get(t) ?? 0) + 1);
  }

  /** Removes the entry; frees its tensor unless another entry holds it. */
  drop(id: number): void {
    const t = this.byId.get(id);
    if (!t) return;
    this.byId.delete(id);
    const n = this.holders.get(t)! - 1;
    if (n > 0) this.holders.set(t, n);
    else {
      this.holders.delete(t);
      t.dispose();
    }
  }

  holds(t: tf.Tensor): boolean {
    return this.holders.has(t);
  }
}

function backpropagate(engine: EngineInternals, nodes: TapeNode[], y: tf.Tensor, keep: Set<number>): Map<number, tf.Tensor> {
  const grads = new GradientMap();
  grads.set(y.id, tf.onesLike(y));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.gradient) throw new Error(`variableGrads: no gradient is registered for ${node.kernelName}`);
    const inputs = Object.entries(node.inputs);
    // One scope for the op's whole gradient: what its gradient function creates besides the input gradients (a
    // custom gradient computes eagerly, and may compute gradients of inputs off the path) is freed with it.
    const dxs = engine.tidy(() => {
      const inputGradients = node.gradient!(node.outputs.map((o) => grads.get(o.id) ?? null));
      return inputs.map(([name]) => {
        const thunk = inputGradients[name];
        if (!thunk) throw new Error(`variableGrads: ${node.kernelName} has no gradient for its input '${name}'`);
        return thunk();
      });
    });
    for (const [k, [name, x]] of inputs.entries()) {
      const dx = dxs[k]!;
      if (dx.dtype !== 'float32' || !tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(`variableGrads: the gradient of ${node.kernelName}'s input '${name}' is ${dx.dtype} [${dx.shape}], expected float32 [${x.shape}]`);
      }
      const sum = grads.get(x.id);
      if (!sum) {
        grads.set(x.id, dx);
        continue;
      }
      grads.set(x.id, tf.add(sum, dx));
      if (!grads.holds(dx)) dx.dispose();
    }
    // No op before this one reads its outputs' gradients or its saved tensors.
    for (const o of node.outputs) if (!keep.has(o.id)) grads.drop(o.id);
    for (const t of node.saved ?? []) if (!grads.holds(t)) t.dispose();
  }
  const out = new Map<number, tf.Tensor>();
  for (const id of keep) {
    const g = grads.get(id);
    if (g) out.set(id, g);
  }
  return out;
}
