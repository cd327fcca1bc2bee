export { CURRENCY_CODES, CurrencyCode, collectibleIncrementMinor, isCurrencyCode, minorUnitExponent } from './currencies';
export {
  Money,
  addMoney,
  majorDecimalToMinor,
  minMoney,
  minorToMajorString,
  money,
  subtractMoney,
  zero,
} from './money';
