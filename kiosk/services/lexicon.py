"""How patients say things, in words the content may not use.

Each group is a set of words a patient might type for one idea; a query word from a group also looks for the
others (at a lower weight than the word itself). Words are written as patients type them; they are normalised
and stemmed the same way as the content when loaded.

Stop words carry no meaning for search. Cue words ("how", "not", "who") say what kind of answer is wanted:
they are indexed and searched but count for little, so "how does it work" prefers "How does ketamine help?"
over "Does ketamine work?", and "what if it does not help" finds the answer about it not helping.
"""

from __future__ import annotations

STOP_WORDS: dict[str, str] = {
    "en": """
        a about above again ago all already also am an and any anybody anyone anything are as at be been
        being both but by can could did do does doing done during each either else even ever every for from
        further get gets getting go goes going gone gonna got gotta had has have having he her here hers him
        his i in into is it its itself just kind kinda know let lets like lot lots maybe me mean might mine
        must my myself need needs of off oh ok okay on once only or other our ours out over own please pretty
        probably quite really right same say says she so some somebody something sort still such sure tell
        than thank thanks that the their theirs them then there these they thing things this those though
        through to too uh um up us very wanna want wants was way we well were which while whom whose will
        with would yeah yes yet you your yours yourself ketamine ketamines s t d ll m ve re
        give gives giving gave make makes making made put puts sit sitting keep keeps kept come comes coming
        came brought try tried trying see seen saw look looking able allowed supposed today tonight tomorrow
        day days week weeks month also actually basically literally whole stuff take takes taking took
    """,
    "es": """
        a al algo algun alguna alguno algunos algunas ante antes aqui asi aun cada con contra cual cuales de
        del desde el ella ellas ello ellos en entre era eres es esa esas ese eso esos esta estas este esto
        estos estoy estas estan estar estamos estaba estuve fue fui ha han has hay he hemos haber habia hola
        la las le les lo los mas me mi mis mio mia mucho mucha muy nada ni nos nosotros o otra otras otro
        otros para pero poco poca por pues puede pueden puedo podria se sea ser seria sera son soy su sus
        tambien te tengo tiene tienen tienes tenemos tenia tener todo toda todos todas tu tus un una uno unos
        unas usted ustedes va vamos voy vas van vaya y ya yo ketamina ketaminas hacer hace hago hacen quiero
        quisiera saber necesito ir dar da dan doy dame poner pone pongo ponen ponerme decir dice digo dijo ver
        veo bien bueno buena nomas oiga oye entonces todavia vez aca alla ahi hoy noche dia dias semana
        semanas mismo misma cosa cosas poquito favor gracias senor senora doctora menos muchos muchas
        tan tanto venir vengo viene vienen viniendo
    """,
}

CUE_WORDS: dict[str, str] = {
    "en": "how what who when why where if not no many should",
    "es": "como que quien cuando cuanto cuanta cuantos cuantas donde si no porque debo debe",
}

#: Spoken and typed contractions, after accents and apostrophes are removed ("doesn't" -> "doesnt").
CONTRACTIONS: dict[str, str] = {
    "doesnt": "does not",
    "dont": "do not",
    "didnt": "did not",
    "isnt": "is not",
    "arent": "are not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "im": "i am",
    "ive": "i have",
    "whats": "what is",
    "hows": "how is",
    "whos": "who is",
}

SYNONYMS: dict[str, list[str]] = {
    "en": [
        "drive driving driver car ride home rideshare uber lyft taxi cab",
        "after afterwards afterward later tonight",
        "back return returns returning",
        "eat eating food meal breakfast lunch dinner snack fasting fast hungry stomach morning",
        "drink drinking water liquid liquids coffee juice",
        "addictive addiction addicted addict hooked dependence dependent habit crave craving cravings",
        "party recreational street club clubs rave misuse abuse special animal animals",
        "cost costs price prices pay paying payment payments financing expensive afford money charge fee fees "
        "cheap bill much",
        "insurance insured covered cover coverage insurer medicare medicaid",
        "pregnant pregnancy baby breastfeeding breastfeed breast nursing conceive",
        "sessions session infusions infusion treatments treatment visits appointments times rounds series "
        "course",
        "fast quick quickly soon right away immediately start starts kick",
        "long last lasts lasting wear fade fades permanent forever years year months",
        "work works working help helps effective improve better benefit",
        "side effects effect risks risk dangerous danger safe safety harm harmful",
        "sleep asleep awake conscious unconscious knocked under anesthesia sedate sedated sedation faint "
        "fainting",
        "hurt hurts pain painful needle needles iv prick sting shot shots injection poke",
        "feel feels feeling experience trip tripping hallucinate hallucinations weird strange high",
        "feel feels feeling dissociation dissociate dissociative",
        "scared afraid nervous anxious worried worry fear frightened panic bad trip",
        "blood pressure heart hypertension pulse cardiac arrhythmia afib irregular heartbeat palpitations",
        "medicine medicines medication medications meds pills prescription prescriptions drugs",
        "antidepressant antidepressants ssri ssris prozac zoloft lexapro wellbutrin effexor cymbalta celexa "
        "paxil trazodone sertraline fluoxetine escitalopram bupropion",
        "alcohol drinking beer wine liquor drunk",
        "cannabis marijuana weed pot thc cbd smoke smoking edibles",
        "crisis suicide suicidal kill die dying emergency hotline lifeline 988 911 live life alive",
        "esketamine spravato nasal spray nose",
        "approved approval fda legal label",
        "job work workplace decisions decision back return office",
        "bladder urine pee peeing urinate kidney burn burns burning",
        "memory forget forgetful remember",
        "nausea nauseous sick vomit vomiting throw queasy puke puking",
        "music headphones phone playlist",
        "bring wear clothes clothing pack",
        "ptsd trauma traumatic flashbacks nightmares combat",
        "veteran veterans va military army navy marines served",
        "ocd obsessive compulsive",
        "pain chronic crps fibromyalgia",
        "depression depressed sad mood",
        "boosters booster maintenance top follow",
        "someone friend family partner companion accompany husband wife mom dad son",
        "someone boyfriend girlfriend",
        "nurse nurses doctor staff watch watched monitor monitoring monitored supervise",
        "sedative sedatives sleeping benzodiazepine benzodiazepines benzo benzos xanax valium ativan klonopin "
        "ambien clonazepam lorazepam alprazolam diazepam zolpidem",
        "sedative sedatives opioid opioids painkiller painkillers oxycodone percocet vicodin tramadol "
        "hydrocodone morphine fentanyl codeine norco",
        "stimulant stimulants adhd adderall ritalin vyvanse concerta focalin strattera methylphenidate "
        "amphetamine maoi maois",
        "recovery sober sobriety suboxone buprenorphine methadone naltrexone vivitrol",
        "psychosis psychotic schizophrenia schizophrenic voices delusions paranoid bipolar mania manic",
        "stroke aneurysm",
        "liver hepatitis jaundice",
        "age old older elderly senior seniors young younger teen teenager teenagers",
        "approved legal legit legitimate scam proven",
        "fail fails failed doesn't nothing",
        "kids children teen teenager minor",
    ],
    "es": [
        "manejar maneje manejo conducir conduzca carro coche auto chofer llevar lleve llevarme casa raite",
        "despues luego tarde",
        "regresar regresa regresan volver vuelve vuelven",
        "comer comida desayuno almuerzo cena alimento ayuno ayunas estomago manana",
        "beber tomar agua liquido liquidos cafe jugo",
        "adictiva adictivo adiccion adicto dependencia engancharse enganchado vicio enviciar enviciarse",
        "fiesta fiestas recreativa recreativo calle droga drogas abuso drogarse animales animal",
        "costo cuesta cuestan precio pagar pago pagos paga caro dinero cobran juntar ahorrar financiamiento "
        "mensualidades",
        "seguro aseguranza cubre cubren cobertura medicaid medicare",
        "embarazada embarazo bebe amamantar lactancia pecho",
        "sesiones sesion infusiones infusion tratamientos tratamiento citas cita veces rondas",
        "rapido rapidamente pronto enseguida empieza tarda",
        "dura duran durar duracion permanente siempre anos meses",
        "funciona funcionan ayuda sirve mejorar mejor efectivo resultado resultados",
        "efectos secundarios riesgos riesgo peligroso peligrosa segura danino",
        "dormir dormido dormida despierto despierta consciente inconsciente anestesia sedar sedacion sedado "
        "sedada desmayar desmayo",
        "duele doler dolor aguja agujas pinchazo suero inyeccion inyecciones piquete",
        "sentir siente sentire sensacion viaje alucinar alucinaciones disociacion raro extrano",
        "miedo nervioso nerviosa nervios ansioso ansiosa preocupado preocupada asustado asustada panico",
        "presion corazon tension hipertension pulso cardiaco arritmia palpitaciones",
        "medicinas medicina medicamentos medicamento pastillas receta",
        "antidepresivo antidepresivos prozac zoloft lexapro wellbutrin sertralina fluoxetina escitalopram "
        "bupropion",
        "alcohol cerveza vino tragos borracho",
        "marihuana cannabis mota hierba fumar fumo",
        "crisis suicidio suicida suicidarme matarme morir emergencia linea 988 911 vivir vida",
        "esketamina spravato nasal aerosol nariz spray",
        "aprobada aprobado aprobacion fda legal",
        "trabajo trabajar decisiones decision",
        "vejiga orina orinar rinon ardor",
        "memoria olvidar olvido recordar",
        "nausea nauseas vomitar vomito mareo mareada mareado revuelto",
        "musica audifonos telefono celular",
        "traer ropa llevar vestir",
        "postraumatico tept trauma pesadillas",
        "veterano veteranos veterana va militar militares ejercito marina servi soldado",
        "toc obsesivo compulsivo",
        "dolor cronico crps fibromialgia",
        "depresion deprimido deprimida triste animo",
        "refuerzo refuerzos mantenimiento seguimiento",
        "alguien acompanante acompanar familiar amigo amiga pareja esposo esposa marido mama papa hijo hija",
        "enfermera enfermero enfermeras doctor medico personal vigilar vigilan cuidar cuidan pendiente",
        "sedante sedantes calmante calmantes dormir benzodiacepina xanax clonazepam rivotril alprazolam "
        "lorazepam diazepam ativan opioide opioides oxicodona hidrocodona morfina tramadol fentanilo",
        "estimulante estimulantes adhd tdah adderall ritalin vyvanse concerta metilfenidato imao",
        "recuperacion sobrio sobria suboxone buprenorfina metadona naltrexona",
        "psicosis esquizofrenia voces alucinaciones bipolar mania delirios paranoia",
        "derrame embolia aneurisma",
        "higado hepatitis",
        "edad anos mayor mayores adolescente adolescentes joven jovenes menor menores",
        "aprobada aprobado legal legitima estafa comprobado",
        "ninos hijos adolescente",
    ],
}
