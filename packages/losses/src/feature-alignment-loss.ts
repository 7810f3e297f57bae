import * as tf from '@tensorflow/tfjs-core';
import { nonEmptyRows, poolStates, POOLS, type Pool } from './pooling.js';
import { stopGradient } from '@dft/ops';
import { assertDims, assertTensor, oneOf } from './validate.js';

export interface FeatureAlignmentOptions {
  /** `'mean'` (default) over the masked positions, or `'last'` masked position. */
  pool?: Pool;
  /** Treat the teacher as a fixed target: no gradient flows into it. Default true. */
  detachTeacher?: boolean;
}

// Norms are floored at this value (as torch's cosine_similarity does), which also keeps the gradient of an
// all-zero pooled vector finite.
const NORM_EPS = 1e-8;

/**
 * `1 - cos(pool(student), pool(teacher))`, averaged over the batch. `student` `[batch, Ts, dim]`, `teacher`
 * `[batch, Tt, dim]` (Ts and Tt may differ), masks `[batch, Ts]` / `[batch, Tt]` select the positions to pool
 * (padding = 0). Rows where either mask is empty contribute nothing and are left out of the average; if every row
 * is empty the loss is 0.
 */
export function featureAlignmentLoss(
  student: tf.Tensor3D,
  teacher: tf.Tensor3D,
  studentMask: tf.Tensor2D,
  teacherMask: tf.Tensor2D,
  opts: FeatureAlignmentOptions = {},
): tf.Scalar {
  const pool = oneOf(opts.pool, POOLS, 'featureAlignmentLoss: pool', 'mean');
  const detach = opts.detachTeacher ?? true;
  assertTensor(student, 'featureAlignmentLoss: student');
  assertTensor(teacher, 'featureAlignmentLoss: teacher');
  if (student.rank === 3) {
    assertDims(
      teacher,
      [student.shape[0], null, student.shape[2]],
      'featureAlignmentLoss: teacher',
      '[batch, time, dim] (batch and dim matching the student)',
    );
  }
  return tf.tidy(() => {
    const s = poolStates(student, studentMask, pool, 'featureAlignmentLoss (student)');
    const t = poolStates(detach ? stopGradient(teacher) : teacher, teacherMask, pool, 'featureAlignmentLoss (teacher)');
    const cos = tf.div(tf.sum(tf.mul(s, t), 1), tf.mul(safeNorm(s), safeNorm(t)));
    const valid = tf.mul(nonEmptyRows(studentMask), nonEmptyRows(teacherMask));
    return tf.div(tf.sum(tf.mul(tf.sub(1, cos), valid)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}

/** Row norms floored at NORM_EPS; the floor sits inside the sqrt so the gradient at 0 is 0, not NaN. */
function safeNorm(x: tf.Tensor2D): tf.Tensor1D {
  return tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1), NORM_EPS * NORM_EPS)) as tf.Tensor1D;
}
