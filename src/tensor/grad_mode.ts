let enabled = true;

/** Whether operations record the graph for backward. */
export function isGradEnabled(): boolean { return enabled; }

/**
 * Run `fn` without recording the graph (like `torch.no_grad()`): for
 * evaluation, optimizer updates and the backward pass itself.
 * @example const logits = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try { return fn(); } finally { enabled = prev; }
}

/** Re-enable recording inside a noGrad block. */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try { return fn(); } finally { enabled = prev; }
}
