export {
  PROVIDER_MAXIMUM_AMOUNT,
  ProviderAmount,
  ProviderAmountFailureCode,
  isAboveProviderMaximum,
  providerExponent,
  providerMaximumMinor,
  toProviderAmount,
} from './provider-amount';
export { MinimumSource, ProviderMinimum, isBelowProviderMinimum, providerMinimumCharge } from './minimum-charge';
