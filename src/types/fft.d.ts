// fft.js ships no type declarations; this covers the part specnet uses.
declare module 'fft.js' {
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** Forward FFT of a real signal; fills the first half (bins 0 … size/2) of the interleaved output. */
    realTransform(output: number[], input: ArrayLike<number>): void;
    completeSpectrum(spectrum: number[]): void;
    transform(output: number[], input: number[]): void;
  }
}
