"""Placeholder replaced below."""
import numpy as np

from cc_data.sandbox.account import Account


def add_giving(account: Account, rng: np.random.Generator) -> None:
    return None
