/**
 * English words that have no place in a German, French, Hungarian, Japanese or Arabic sentence of
 * the billing texts (chosen so none is also a word of those languages). Tests of translated output
 * strip data first (names, product names, invoice numbers, addresses), then look for these. It
 * lives with the catalogs so that every check of a translation uses the same list.
 */
const ENGLISH_WORDS =
  /\b(the|your|you|we|our|please|invoices?|payments?|account|charged?|card|hold|been|with|this|these|will|nothing|automatically|balance|amount|before|update|thank|from|issued|due|hello|times|shown)\b/i;

/** The first English word found in `text`, or null. */
export function englishWordIn(text: string): string | null {
  return ENGLISH_WORDS.exec(text)?.[0] ?? null;
}
