import { tensor } from '../tensor/create.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { CheckpointError, loadSafetensors, saveSafetensors, type NamedArray } from './safetensors.js';

/** What a checkpoint says about itself (stored as the safetensors metadata, JSON-encoded). */
export interface CheckpointMeta {
  /** Registry name of the model, e.g. 'lenet5'; a checkpoint is refused by another model. */
  model: string;
  /** The options the model was built with, and the preprocessing that made its inputs. */
  modelOptions?: Record<string, unknown>;
  features?: Record<string, unknown>;
  /** Anything else: epoch, RNG state, metrics, schedule step … */
  [key: string]: unknown;
}

/**
 * Save model parameters and buffers (as `model.<dotted name>`), optimizer state
 * (as `optimizer.<name>.<slot>` plus its scalars in the metadata) and `meta`, atomically.
 */
export function saveCheckpoint(path: string, model: Module, meta: CheckpointMeta, optimizer?: Optimizer): void {
  const tensors: Record<string, NamedArray> = {};
  for (const [name, t] of Object.entries(model.stateDict())) tensors[`model.${name}`] = { shape: [...t.shape], data: t.toArray() };
  const extra: Record<string, string> = {};
  if (optimizer) {
    const s = optimizer.stateDict();
    for (const [name, t] of Object.entries(s.tensors)) tensors[`optimizer.${name}`] = { shape: [...t.shape], data: t.toArray() };
    extra.optimizer = JSON.stringify({ kind: optimizer.constructor.name, scalars: s.scalars });
  }
  saveSafetensors(path, tensors, { format: 'specnet-checkpoint-v1', meta: JSON.stringify(meta), ...extra });
}

/** Read only the metadata of a checkpoint (e.g. to build the right model before loading it). */
export function readCheckpointMeta(path: string): CheckpointMeta {
  const { metadata } = loadSafetensors(path);
  if (metadata.format !== 'specnet-checkpoint-v1' || !metadata.meta) throw new CheckpointError(`${path}: not a specnet checkpoint (no specnet metadata)`);
  try { return JSON.parse(metadata.meta) as CheckpointMeta; } catch { throw new CheckpointError(`${path}: corrupt checkpoint metadata`); }
}

/**
 * Load a checkpoint into `model` (and `optimizer`). Refuses, naming the problem and
 * changing nothing, a file of another model, missing/unexpected/mis-shaped keys.
 */
export function loadCheckpoint(path: string, model: Module, expectModel: string, optimizer?: Optimizer): CheckpointMeta {
  const { tensors, metadata } = loadSafetensors(path);
  const meta = readCheckpointMeta(path);
  if (meta.model !== expectModel) throw new CheckpointError(`${path}: a checkpoint of model '${meta.model}', not '${expectModel}'`);
  const opt = optimizer && metadata.optimizer ? JSON.parse(metadata.optimizer) as { kind: string; scalars: Record<string, number> } : null;
  if (optimizer && opt && opt.kind !== optimizer.constructor.name) throw new CheckpointError(`${path}: optimizer state of ${opt.kind}, not ${optimizer.constructor.name}`);
  const sd: Record<string, ReturnType<typeof tensor>> = {};
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith('model.')) sd[name.slice(6)] = tensor(t.data, t.shape);
  try { model.loadStateDict(sd); } catch (e) { throw new CheckpointError(`${path}: ${(e as Error).message}`); }
  if (optimizer && opt) {
    const state: Record<string, ReturnType<typeof tensor>> = {};
    for (const [name, t] of Object.entries(tensors)) if (name.startsWith('optimizer.')) state[name.slice(10)] = tensor(t.data, t.shape);
    optimizer.loadStateDict({ tensors: state, scalars: opt.scalars });
  }
  return meta;
}
