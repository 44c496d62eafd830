/** OpenCV's BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba): the edge pixel is not repeated. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}
