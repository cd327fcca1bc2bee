export {
  PROVIDER_MAXIMUM_AMOUNT,
  ProviderAmount,
  ProviderAmountFailureCode,
  isAboveProviderMaximum,
  providerExponent,
  providerMaximumMinor,
  providerStepMinor,
  toProviderAmount,
} from './provider-amount';
export { MinimumSource, ProviderMinimum, isBelowProviderMinimum, providerMinimumCharge } from './minimum-charge';
