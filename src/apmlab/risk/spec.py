"""Payment-year parameters of CMS-HCC (specs/risk/cms_hcc.toml): blend, normalization."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from apmlab.specfile import read_spec

SPEC_PATH = files("apmlab") / "specs" / "risk" / "cms_hcc.toml"


@dataclass(frozen=True)
class PaymentYear:
    year: int
    principal_model: str
    blend: dict[str, float]
    normalization: dict[str, float]
    ma_coding_adjustment: float
    rounding_decimals: int
    source: str

    def only(self, model: str) -> PaymentYear:
        """The same year scored with one model at full weight (``--model``)."""
        if model not in self.normalization:
            raise ValueError(
                f"payment year {self.year} has no normalization factor for {model} "
                f"(spec has {', '.join(self.normalization)})"
            )
        return PaymentYear(self.year, model, {model: 1.0}, self.normalization,
                           self.ma_coding_adjustment, self.rounding_decimals, self.source)


def payment_year(year: int) -> PaymentYear:
    spec = read_spec(SPEC_PATH)
    years = spec["payment_year"]
    entry = years.get(str(year))
    if entry is None:
        raise ValueError(f"no CMS-HCC spec for payment year {year} (have {', '.join(years)})")
    if abs(sum(entry["blend"].values()) - 1) > 1e-9:
        raise ValueError(f"payment year {year}: blend weights do not sum to 1")
    return PaymentYear(
        year=year,
        principal_model=entry["principal_model"],
        blend=dict(entry["blend"]),
        normalization=dict(entry["normalization"]),
        ma_coding_adjustment=float(entry["ma_coding_adjustment"]),
        rounding_decimals=int(spec["rounding_decimals"]),
        source=entry["source"],
    )
