"""Least-squares GAN (Mao et al. 2017) as a ganaug plugin: a loss and a backend."""

from ganaug.plugin import AdversarialLoss, AdversarialOptions, MLPGANBackend, get_loss, hookimpl


class LeastSquares(AdversarialLoss):
    """D pushes real scores to 1 and fake ones to 0; G pushes its scores to 1."""

    batchable = True  # means of per-row terms: models stacked in one batch train as if alone

    def critic(self, real, fake):
        return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()

    def generator(self, fake):
        return 0.5 * ((fake - 1) ** 2).mean()


class LSGANBackend(MLPGANBackend):
    name = "lsgan"
    conditional = True
    Options = AdversarialOptions  # or a dataclass of your own options
    reference = "Mao et al., Least Squares Generative Adversarial Networks, ICCV 2017"

    def make_loss(self):
        return get_loss("least-squares")


@hookimpl
def register_losses(register):
    register("least-squares", LeastSquares)


@hookimpl
def register_backends(register):
    register(LSGANBackend)
