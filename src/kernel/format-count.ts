/**
 * A whole number with thousands separators ("1,500,000"), as `Intl.NumberFormat('en-US')` prints it.
 * Not Intl itself: the first formatter a process builds loads ICU data (~15 ms), which `mlops --help`
 * paid when a module made one on import, and a short `mlops predict` still pays for a comma.
 */
export const formatCount = (value: number): string =>
  String(Math.trunc(value)).replace(/\B(?=(\d{3})+$)/g, ',');
