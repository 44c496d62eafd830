/** The indices of each distinct key, in first-seen order: groupIndices(['a', 'b', 'a']) → a: [0, 2], b: [1]. */
export function groupIndices(keys: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const list = groups.get(k);
    if (list) list.push(i); else groups.set(k, [i]);
  });
  return groups;
}
