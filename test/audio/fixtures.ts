import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AudioCase = Record<string, any>;

/** The torchaudio / OpenCV golden cases made by scripts/make_audio_fixtures.py. */
export function audioFixtures(): { mel: AudioCase[]; bilateral: AudioCase[]; resize: AudioCase[] } {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/audio.json', import.meta.url)), 'utf8')).cases;
}

export const fixtureWav = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/audio/${name}`, import.meta.url));
