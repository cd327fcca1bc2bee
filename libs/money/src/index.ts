export { CURRENCY_CODES, CurrencyCode, isCurrencyCode, minorUnitExponent } from './currencies';
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
