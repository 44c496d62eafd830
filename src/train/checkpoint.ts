import { tensor } from '../tensor/create.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { z } from 'zod';
import { CheckpointError, loadSafetensors, readSafetensorsMetadata, saveSafetensors, type NamedArray } from './safetensors.js';
import { modelNames } from '../models/registry.js';
import { featureConfigSchema, formatIssues, modelOptionsSchema } from '../schemas.js';

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

/**
 * What a checkpoint's metadata must hold, checked before anything is built from it: a known model,
 * model options and preprocessing within the bounds the config allows (schemas.ts), distinct class
 * names. Other keys (epoch, history, RNG state …) pass through.
 */
const metaSchema = (models: string[]) => z.looseObject({
  model: z.string().refine((m) => models.includes(m), { message: `should be a model specnet knows (${models.join(', ')})` }),
  modelOptions: modelOptionsSchema.optional(),
  features: featureConfigSchema.partial().optional(),
  classes: z.array(z.string().min(1).max(200)).min(2).max(10_000)
    .refine((c) => new Set(c).size === c.length, { message: 'the class names repeat' }).optional(),
});

/** Read only the metadata of a checkpoint (e.g. to build the right model before loading it); validated, naming the file and key. */
export function readCheckpointMeta(path: string): CheckpointMeta {
  return checkpointMetaOf(path, readSafetensorsMetadata(path));
}

/** The specnet metadata in a safetensors file's metadata, validated by {@link metaSchema}. */
function checkpointMetaOf(path: string, metadata: Record<string, string>): CheckpointMeta {
  if (metadata.format !== 'specnet-checkpoint-v1' || !metadata.meta) throw new CheckpointError(`${path}: not a specnet checkpoint (no specnet metadata)`);
  let raw: unknown;
  try { raw = JSON.parse(metadata.meta); } catch (e) { throw new CheckpointError(`${path}: corrupt checkpoint metadata (${(e as Error).message})`); }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(`${path}: the checkpoint metadata is not an object`);
  const r = metaSchema(modelNames()).safeParse(raw);
  if (!r.success) throw new CheckpointError(formatIssues(r.error, `${path}: checkpoint metadata`));
  return r.data as CheckpointMeta;
}

/** The optimizer's kind and scalars, from the checkpoint's `optimizer` metadata. */
function optimizerMeta(path: string, text: string): { kind: string; scalars: Record<string, number> } {
  const r = z.object({ kind: z.string(), scalars: z.record(z.string(), z.number().nullable()) }).safeParse((() => { try { return JSON.parse(text) as unknown; } catch { return undefined; } })());
  if (!r.success) throw new CheckpointError(`${path}: corrupt optimizer metadata (a kind and numeric scalars expected)`);
  return r.data as { kind: string; scalars: Record<string, number> };   // JSON keeps a NaN scalar as null, as before
}

/**
 * Load a checkpoint into `model` (and `optimizer`). Refuses, naming the problem and
 * changing nothing, a file of another model, missing/unexpected/mis-shaped keys.
 */
export function loadCheckpoint(path: string, model: Module, expectModel: string, optimizer?: Optimizer): CheckpointMeta {
  const { tensors, metadata } = loadSafetensors(path);
  const meta = checkpointMetaOf(path, metadata);
  if (meta.model !== expectModel) throw new CheckpointError(`${path}: a checkpoint of model '${meta.model}', not '${expectModel}'`);
  const opt = optimizer && metadata.optimizer ? optimizerMeta(path, metadata.optimizer) : null;
  if (optimizer && opt && opt.kind !== optimizer.constructor.name) throw new CheckpointError(`${path}: optimizer state of ${opt.kind}, not ${optimizer.constructor.name}`);
  const sd: Record<string, ReturnType<typeof tensor>> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!name.startsWith('model.')) continue;
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new CheckpointError(`${path}: tensor '${name}' holds ${t.data[bad]} at index ${bad}: the weights are not finite (a corrupt file, or saved from a run whose loss diverged)`);
    sd[name.slice(6)] = tensor(t.data, t.shape);
  }
  try { model.loadStateDict(sd); } catch (e) { throw new CheckpointError(`${path}: ${(e as Error).message}`); }
  if (optimizer && opt) {
    const state: Record<string, ReturnType<typeof tensor>> = {};
    for (const [name, t] of Object.entries(tensors)) if (name.startsWith('optimizer.')) state[name.slice(10)] = tensor(t.data, t.shape);
    optimizer.loadStateDict({ tensors: state, scalars: opt.scalars });
  }
  return meta;
}
