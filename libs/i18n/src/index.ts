export {
  FALLBACK_LOCALE,
  formatDate,
  formatDecimal,
  formatInstant,
  formatMoney,
  formatPeriod,
  formatRfc5322Date,
  formatUnitPrice,
} from './format';
export {
  CATALOGS,
  LANGUAGES,
  MESSAGE_TAGS,
  languageOf,
  message,
  messageSource,
  textDirection,
  translator,
} from './messages';
export type { Catalog, Language, MessageKey, MessageTags, MessageValues, Translate } from './messages';
export { englishWordIn } from './english-words';
