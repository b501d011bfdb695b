//! TEMP stub until the number helper's period module lands.
use rust_decimal::Decimal;
/// stub
pub fn date_from_serial(_serial: Decimal, _is_1904: bool) -> Option<crate::model::Date> { None }
