// @echogarden/espeak-ng-emscripten ships no type declarations; this covers the part specnet uses.
declare module '@echogarden/espeak-ng-emscripten' {
  export interface ESpeakWorker {
    set_voice(name: string, lang: string, gender: number, age: number, variant: number): number;
    set_rate(wordsPerMinute: number): void;
    set_pitch(pitch: number): void;
    set_range(range: number): void;
    get_samplerate(): number;
    synthesize(text: string, onAudio: (samples: Int16Array, events: unknown[]) => void): void;
    /** The phonemes eSpeak reads `text` as, in IPA with `_` between phonemes. */
    synthesize_ipa(text: string): { code: number; ipa: string };
    list_voices(): { name: string; identifier: string; languages: { name: string; priority: number }[] }[];
  }
  export interface ESpeakModule {
    eSpeakNGWorker: new () => ESpeakWorker;
    FS: { writeFile(path: string, data: string): void; readdir(path: string): string[]; readFile(path: string, o: { encoding: 'utf8' }): string };
  }
  const createModule: () => Promise<ESpeakModule>;
  export default createModule;
}
