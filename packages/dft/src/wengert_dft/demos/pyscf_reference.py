"""Reference values produced by PySCF 2.14.0 (libcint), stored in
``wengert_dft/data/pyscf_reference.json`` and used by the demos and the tests.

PySCF ran with the *same* basis data as this package (``Molecule.to_pyscf()``),
OMP_NUM_THREADS=1, conv_tol 1e-13. Geometries (Å): H2O O(0,0,0) H(0,∓0.757,0.587);
H2 H(0,0,0) H(0,0,0.74); LiH Li(0,0,0) H(0,0,1.6). Keys ``"molecule/basis/method"``;
``energy`` (Eh), ``gradient`` dE/dR (Eh/Bohr, analytic), ``dipole`` (au,
``mf.dip_moment(unit="au")``), ``polarizability`` (au, central finite field of the dipole
with step 1e-4 au, accurate to ~1e-6), ``freq`` (cm^-1, ``harmonic_analysis`` of the
analytic Hessian, RHF only). LDA is ``xc="lda,vwn5"`` on PySCF grid level 8.
"""

import json
from importlib import resources

REFERENCE = json.loads(
    resources.files("wengert_dft").joinpath("data", "pyscf_reference.json").read_text()
)
